"""Prune history now: `python manage.py prune_history [--older-than-days N] [--batch-size B]`."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rules.retention import history_prune

LABELS = {"trigger_records": "trigger records", "events": "journal events", "ai_calls": "AI calls"}


class Command(BaseCommand):
    help = (
        "Delete finished runs (with their steps, logs, trigger records and AI calls) older than N days, "
        "keeping their counts for statistics; active runs and the credit ledger are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=settings.AUTOMATION_RETENTION_DAYS)
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, older_than_days: int, batch_size: int, **options):
        if older_than_days < 0:
            raise CommandError(f"--older-than-days must be 0 or more, not {older_than_days}")
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, not {batch_size}")
        cutoff = timezone.now() - timedelta(days=older_than_days)
        deleted = history_prune(older_than=cutoff, batch_size=batch_size)
        self.stdout.write(f"pruned history older than {older_than_days} days (before {cutoff:%Y-%m-%d %H:%M} UTC):")
        for kind, count in deleted.items():
            self.stdout.write(f"deleted {count} {LABELS.get(kind, kind)}")
