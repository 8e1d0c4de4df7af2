"""Run a site's seven-stage pipeline from the command line; `--wait` prints the run summary as JSON."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from backend.accounts.models import Site
from backend.automation import services
from backend.automation.selectors import run_detail
from rules.models import AutomationRun


class Command(BaseCommand):
    help = "Start the pipeline of a site (the site's Celery workers do the work); --wait to follow it to the end."

    def add_arguments(self, parser):
        parser.add_argument("--site", required=True, help="the site's domain")
        parser.add_argument("--wait", action="store_true", help="wait for the run to end and print its summary")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait at most")
        parser.add_argument(
            "--inline", action="store_true", help="execute the steps in this process instead of on Celery workers"
        )

    def handle(self, *args, site, wait, timeout, inline, **options):
        target = Site.objects.filter(domain=site).first()
        if target is None:
            raise CommandError(f"no site with domain {site!r}")
        if inline:
            from backend.celery import app

            app.conf.task_always_eager = True
        try:
            result = services.run_now(site=target)
        except services.AlreadyRunning as exc:
            raise CommandError(str(exc)) from exc
        if result.run is None:
            raise CommandError(result.reason)
        run = result.run
        self.stderr.write(f"started {run.run_id}")
        if not wait:
            self.stdout.write(run.run_id)
            return
        deadline = time.monotonic() + timeout
        while AutomationRun.objects.get(pk=run.pk).status in AutomationRun.ACTIVE:
            if time.monotonic() > deadline:
                raise CommandError(f"{run.run_id} still running after {timeout} s")
            time.sleep(0.5)
        run.refresh_from_db()
        self.stdout.write(json.dumps(run_detail(run), cls=DjangoJSONEncoder, indent=2))
        if run.status != "completed":
            raise CommandError(f"{run.run_id} ended {run.status}: {run.error_message}")
