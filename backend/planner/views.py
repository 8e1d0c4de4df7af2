"""Keywords (with bulk create and CSV import), clusters and content ideas."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from backend.core.api import AccountScopedViewSet
from backend.core.input import StrictJSONParser
from backend.planner.models import Cluster, ContentIdea, Keyword
from backend.planner.serializers import (
    ClusterSerializer,
    ContentIdeaSerializer,
    KeywordBulkCreateSerializer,
    KeywordBulkResultSerializer,
    KeywordImportSerializer,
    KeywordRowSerializer,
    KeywordSerializer,
)
from backend.planner.services import keywords_import

CSV_COLUMN_ALIASES = {"keyword": "text", "search_volume": "volume", "kd": "difficulty"}
MAX_CSV_BYTES_PER_ROW = 1024  # a row longer than this is no keyword row


def _validate_rows(rows: list[dict], site, first_row_number: int) -> tuple[list[dict], dict]:
    """Validate keyword rows; return the clean rows and the errors keyed by row number."""
    existing = set(Keyword.objects.filter(site=site).values_list("text", flat=True))
    clean, errors, seen = [], {}, set()
    for number, row in enumerate(rows, start=first_row_number):
        serializer = KeywordRowSerializer(data=row)
        if not serializer.is_valid():
            errors[str(number)] = serializer.errors
            continue
        text = serializer.validated_data["text"]
        if text in existing or text in seen:
            errors[str(number)] = {"text": [f"Keyword '{text}' already exists on this site."]}
            continue
        seen.add(text)
        clean.append(serializer.validated_data)
    return clean, errors


class KeywordViewSet(AccountScopedViewSet):
    queryset = Keyword.objects.all()
    serializer_class = KeywordSerializer
    filter_params = ("site", "status", "cluster", "intent", "disabled")
    search_fields = ["text"]
    ordering_fields = ["id", "text", "volume", "difficulty", "created_at"]

    @extend_schema(request=KeywordBulkCreateSerializer, responses={201: KeywordBulkResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk_create(self, request):
        """Create many keywords at once; all or nothing (errors keyed by row index, from 0)."""
        payload = KeywordBulkCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        site = payload.validated_data["site"]
        rows, errors = _validate_rows(payload.validated_data["keywords"], site, first_row_number=0)
        if errors:
            raise ValidationError({"keywords": errors})
        ids = keywords_import(site=site, rows=rows)
        return Response({"created": len(ids), "ids": ids}, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": KeywordImportSerializer}, responses={201: KeywordBulkResultSerializer}
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser, StrictJSONParser])
    def import_csv(self, request):
        """Import a CSV file; all or nothing (errors keyed by CSV line number, header = line 1)."""
        payload = KeywordImportSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        site = payload.validated_data["site"]
        rows = _read_csv(payload.validated_data["file"])
        clean, errors = _validate_rows(rows, site, first_row_number=2)
        if errors:
            raise ValidationError({"rows": errors})
        ids = keywords_import(site=site, rows=clean)
        return Response({"created": len(ids), "ids": ids}, status=status.HTTP_201_CREATED)


def _read_csv(upload) -> list[dict]:
    """The rows of an uploaded CSV (at most KEYWORD_IMPORT_MAX_ROWS; a larger file is refused unread)."""
    limit = settings.KEYWORD_IMPORT_MAX_ROWS
    if upload.size > limit * MAX_CSV_BYTES_PER_ROW:
        raise ValidationError({"file": [f"The file is {upload.size:,} bytes; an import takes at most {limit:,} rows."]})
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": ["The file is not UTF-8 text."]}) from exc
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ValidationError({"file": ["The CSV file is empty."]})
    columns = {name: CSV_COLUMN_ALIASES.get(name.strip().lower(), name.strip().lower()) for name in reader.fieldnames}
    if "text" not in columns.values():
        raise ValidationError({"file": ["The CSV header needs a 'keyword' (or 'text') column."]})
    rows = []
    for raw in reader:
        if len(rows) == limit:
            message = (
                f"The file has more than {limit:,} rows; import at most {limit:,} at a time (KEYWORD_IMPORT_MAX_ROWS)."
            )
            raise ValidationError({"file": [message]})
        row = {columns[k]: v.strip() for k, v in raw.items() if k is not None and v not in (None, "")}
        if None in raw:
            row["unexpected_extra_columns"] = raw[None]
        rows.append(row)
    if not rows:
        raise ValidationError({"file": ["The CSV file has a header but no rows."]})
    return rows


class ClusterViewSet(AccountScopedViewSet):
    queryset = Cluster.objects.annotate(
        keywords_count=Count("keywords", distinct=True), ideas_count=Count("ideas", distinct=True)
    )
    serializer_class = ClusterSerializer
    search_fields = ["name"]
    ordering_fields = ["id", "name", "created_at"]


class ContentIdeaViewSet(AccountScopedViewSet):
    queryset = ContentIdea.objects.prefetch_related("target_keywords")
    serializer_class = ContentIdeaSerializer
    filter_params = ("site", "status", "cluster")
    search_fields = ["title"]
    ordering_fields = ["id", "title", "created_at"]
