"""Create an account with a user and a site NAME.example.com; print the user's API token."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from backend.accounts.models import User
from backend.ops.services import account_open


def _credits(value: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise CommandError(f"--credits must be a number, got {value!r}") from exc
    if amount < 0:
        raise CommandError("--credits must not be negative")
    return amount


class Command(BaseCommand):
    help = "Create an account, its user and a site NAME.example.com, and print the user's API token."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--credits", default="0", type=_credits)

    def handle(self, *args, name, username, password, credits, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named '{username}' already exists.")
        account, user, site, token = account_open(name=name, username=username, password=password, credits=credits)
        self.stdout.write(
            f"Account '{account.name}' (id {account.id}, credits {account.credits}), user "
            f"'{user.username}', site {site.domain} (id {site.id})."
        )
        self.stdout.write(f"API token: {token}")
