"""Write operations of the planner: keyword imports."""

from __future__ import annotations

from django.db import IntegrityError, transaction
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
