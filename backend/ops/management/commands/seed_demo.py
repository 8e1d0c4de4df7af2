"""Create (or complete) the demo account, user, site and keywords; print the user's API token."""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from backend.accounts.models import Account, Site, User
from backend.accounts.tokens import token_issue
from backend.billing.services import credits_add
from backend.planner.models import Keyword

DEMO_USERNAME, DEMO_PASSWORD = "demo", "demo-pass-123"
DEMO_CREDITS = Decimal("10000")
DEMO_PIPELINE = {"within_stage_delay": 0, "between_stage_delay": 2, "stage_4_concurrency": 2, "stage_6_concurrency": 2}


class Command(BaseCommand):
    help = "Idempotently create the demo account (user demo / demo-pass-123, site demo.example.com, keywords)."

    def handle(self, *args, **options):
        data = json.loads((settings.BASE_DIR / "fixtures" / "demo_keywords.json").read_text())
        with transaction.atomic():
            account, site, user = self._ensure_account(data["site"])
            added = self._ensure_keywords(site, data["keywords"])
        token = token_issue(user=user, name="seed_demo")
        self.stdout.write(
            f"Demo account '{account.name}' (credits {account.credits}), site {site.domain} "
            f"(id {site.id}), {added} keywords added."
        )
        self.stdout.write(f"Login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
        self.stdout.write(f"API token: {token}")

    def _ensure_account(self, site_data: dict) -> tuple[Account, Site, User]:
        account, created = Account.objects.get_or_create(slug="demo", defaults={"name": "Demo"})
        if created:
            credits_add(account_id=account.id, amount=DEMO_CREDITS, operation="initial_grant")
            account.refresh_from_db()
        user = User.objects.filter(username=DEMO_USERNAME).first() or User(username=DEMO_USERNAME)
        user.account = account
        user.email = user.email or "demo@example.com"
        user.set_password(DEMO_PASSWORD)
        user.save()
        site = Site.objects.filter(account=account, domain=site_data["domain"]).first()
        if site is None:
            from backend.accounts.services import site_create
            from backend.automation.services import config_update

            site = site_create(
                account=account,
                name=site_data["name"],
                domain=site_data["domain"],
                timezone=site_data.get("timezone", "UTC"),
            )
            # The offline provider needs no pacing: short delays keep the demo run to about a minute.
            config_update(site=site, **DEMO_PIPELINE)
        return account, site, user

    def _ensure_keywords(self, site: Site, rows: list[dict]) -> int:
        existing = set(Keyword.objects.filter(site=site).values_list("text", flat=True))
        added = 0
        for row in rows:
            if row["text"] in existing:
                continue
            Keyword.objects.create(
                site=site,
                account_id=site.account_id,
                text=row["text"],
                volume=row["volume"],
                difficulty=row["difficulty"],
                intent=row["intent"],
            )
            added += 1
        return added
