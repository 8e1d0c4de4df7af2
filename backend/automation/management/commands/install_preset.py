"""(Re)install a preset rule on a site: `python manage.py install_preset seven_stage --site DOMAIN`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backend.accounts.models import Site
from backend.automation.preset import preset_reinstall
from backend.automation.stages import PRESET_KEY


class Command(BaseCommand):
    help = "Install the seven-stage preset rule on a site again (the settings its stages still hold are kept)."

    def add_arguments(self, parser):
        parser.add_argument("preset", choices=[PRESET_KEY])
        parser.add_argument("--site", required=True, help="the site's domain")

    def handle(self, *args, preset, site, **options):
        sites = list(Site.objects.filter(domain=site))
        if not sites:
            raise CommandError(f"no site with domain {site!r}")
        if len(sites) > 1:
            raise CommandError(f"{len(sites)} accounts have a site {site!r}; this command needs a unique domain")
        rule = preset_reinstall(sites[0])
        self.stdout.write(
            f"installed {preset} on {site}: rule {rule.id} v{rule.version} "
            f"({len(rule.actions)} steps, schedule {rule.trigger['cron']} {rule.trigger['timezone']})"
        )
