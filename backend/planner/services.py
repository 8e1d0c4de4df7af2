"""Write operations of the planner: keyword imports, bulk switch on/off and delete."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from backend.accounts.models import Site
from backend.core.batching import batched, bulk_created
from backend.planner.models import Keyword

CHUNK = 1000  # rows per transaction: another tenant's write never waits long behind an import


def keywords_import(*, site: Site, rows: list[dict]) -> list[int]:
    """Insert validated keyword rows, all or nothing; their `keyword.created` events go out in batches.

    Rows are inserted in chunks of their own transactions, so a large import never holds the database's
    write lock for long. Should a chunk fail (a keyword created meanwhile by someone else), the chunks
    already inserted are removed again and nothing is dispatched.
    """
    created: list[Keyword] = []
    with batched():
        try:
            for start in range(0, len(rows), CHUNK):
                chunk = [Keyword(site=site, account_id=site.account_id, **row) for row in rows[start : start + CHUNK]]
                with transaction.atomic():
                    Keyword.objects.bulk_create(chunk)
                    bulk_created.send(sender=Keyword, instances=chunk)
                created += chunk
        except IntegrityError as exc:
            Keyword.objects.filter(pk__in=[k.pk for k in created]).delete()
            raise ValidationError(
                {"keywords": [f"another request added some of these keywords meanwhile; nothing was imported ({exc})"]}
            ) from exc
    return [k.pk for k in created]


def keywords_set_disabled(*, keywords: list[Keyword], disabled: bool) -> int:
    """Switch keywords on or off with one UPDATE; each changed row still signals its save, so the rules
    engine sees the `keyword.updated` events it would see for single saves (dispatched in batches)."""
    changed = [k for k in keywords if k.disabled != disabled]
    if changed:
        now = timezone.now()
        with batched(), transaction.atomic():
            Keyword.objects.filter(pk__in=[k.pk for k in changed]).update(disabled=disabled, updated_at=now)
            for keyword in changed:
                keyword.disabled, keyword.updated_at = disabled, now
                post_save.send(
                    sender=Keyword,
                    instance=keyword,
                    created=False,
                    update_fields=frozenset({"disabled", "updated_at"}),
                    raw=False,
                    using=keyword._state.db,
                )
    return len(keywords)


def keywords_delete(*, keywords: list[Keyword]) -> int:
    """Delete keywords, all or nothing; Django's delete signals each row, so `keyword.deleted` events go out
    (in batches, after the commit)."""
    with batched(), transaction.atomic():
        Keyword.objects.filter(pk__in=[k.pk for k in keywords]).delete()
    return len(keywords)
