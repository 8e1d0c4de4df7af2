"""Keywords (with bulk create and CSV import), clusters and content ideas."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import filters, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from backend.core.api import AccountScopedViewSet
from backend.core.input import MAX_POSITIVE_INT, StrictJSONParser
from backend.planner.models import Cluster, ContentIdea, Keyword
from backend.planner.serializers import (
    ClusterIdeaSerializer,
    ClusterKeywordSerializer,
    ClusterMembersSerializer,
    ClusterSerializer,
    ContentIdeaSerializer,
    KeywordBulkCreateSerializer,
    KeywordBulkDeleteResultSerializer,
    KeywordBulkResultSerializer,
    KeywordBulkUpdateResultSerializer,
    KeywordBulkUpdateSerializer,
    KeywordIdsSerializer,
    KeywordImportPreviewSerializer,
    KeywordImportSerializer,
    KeywordRowSerializer,
    KeywordSerializer,
)
from backend.planner.services import keywords_delete, keywords_import, keywords_set_disabled

CSV_COLUMN_ALIASES = {"keyword": "text", "search_volume": "volume", "kd": "difficulty"}
MAX_CSV_BYTES_PER_ROW = 1024  # a row longer than this is no keyword row


def _check_rows(rows: list[dict], site, first_row_number: int) -> list[tuple[int, dict | None, dict]]:
    """Validate keyword rows: (row number, the clean row or None, its errors by field) for every row."""
    existing = set(Keyword.objects.filter(site=site).values_list("text", flat=True))
    checked, seen = [], set()
    for number, row in enumerate(rows, start=first_row_number):
        serializer = KeywordRowSerializer(data=row)
        if not serializer.is_valid():
            checked.append((number, None, serializer.errors))
            continue
        text = serializer.validated_data["text"]
        if text in existing:
            checked.append((number, None, {"text": [f"Keyword '{text}' already exists on this site."]}))
            continue
        if text in seen:
            checked.append((number, None, {"text": [f"Keyword '{text}' appears more than once in this import."]}))
            continue
        seen.add(text)
        checked.append((number, dict(serializer.validated_data), {}))
    return checked


def _validate_rows(rows: list[dict], site, first_row_number: int) -> tuple[list[dict], dict]:
    """Validate keyword rows; return the clean rows and the errors keyed by row number."""
    checked = _check_rows(rows, site, first_row_number)
    clean = [row for _, row, errors in checked if row is not None]
    errors = {str(number): errs for number, _, errs in checked if errs}
    return clean, errors


def _flat_errors(number: int, errors: dict) -> list[dict]:
    """`{"volume": ["…"]}` → `[{"row": n, "field": "volume", "message": "…"}]`."""
    return [
        {"row": number, "field": field, "message": str(message)}
        for field, messages in errors.items()
        for message in (messages if isinstance(messages, list) else [messages])
    ]


class VolumeRangeFilter(filters.BaseFilterBackend):
    """`?volume_min=100&volume_max=5000` (inclusive)."""

    def filter_queryset(self, request, queryset, view):
        for param, lookup in (("volume_min", "volume__gte"), ("volume_max", "volume__lte")):
            value = request.query_params.get(param)
            if value in (None, ""):
                continue
            try:
                number = int(value)
            except ValueError as exc:
                raise ValidationError({param: [f"'{value}' is not a whole number."]}) from exc
            if not 0 <= number <= MAX_POSITIVE_INT:
                raise ValidationError({param: [f"Give a number from 0 to {MAX_POSITIVE_INT}."]})
            queryset = queryset.filter(**{lookup: number})
        return queryset

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": name,
                "required": False,
                "in": "query",
                "schema": {"type": "integer", "minimum": 0},
                "description": description,
            }
            for name, description in (
                ("volume_min", "Only keywords with at least this search volume."),
                ("volume_max", "Only keywords with at most this search volume."),
            )
        ]


class KeywordViewSet(AccountScopedViewSet):
    queryset = Keyword.objects.select_related("cluster")
    serializer_class = KeywordSerializer
    filter_backends = [*AccountScopedViewSet.filter_backends, VolumeRangeFilter]
    filter_params = ("site", "status", "cluster", "intent", "disabled")
    search_fields = ["text"]
    ordering_fields = ["id", "text", "volume", "difficulty", "intent", "status", "disabled", "created_at"]

    def _keywords(self, ids: list[int]) -> list[Keyword]:
        """The caller's keywords with these ids; a 400 naming the ids that are unknown (or another account's)."""
        keywords = list(self.get_queryset().filter(pk__in=ids))
        missing = sorted(set(ids) - {k.pk for k in keywords})
        if missing:
            raise ValidationError({"ids": [f"Unknown keyword ids: {missing}."]})
        return keywords

    @extend_schema(request=KeywordBulkUpdateSerializer, responses={200: KeywordBulkUpdateResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk_update(self, request):
        """Disable or enable many keywords at once; all or nothing (any unknown id: 400, nothing changed)."""
        payload = KeywordBulkUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        keywords = self._keywords(payload.validated_data["ids"])
        updated = keywords_set_disabled(keywords=keywords, disabled=payload.validated_data["disabled"])
        return Response({"updated": updated})

    @extend_schema(request=KeywordIdsSerializer, responses={200: KeywordBulkDeleteResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk_delete(self, request):
        """Delete many keywords at once; all or nothing (any unknown id: 400, nothing deleted)."""
        payload = KeywordIdsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        keywords = self._keywords(payload.validated_data["ids"])
        return Response({"deleted": keywords_delete(keywords=keywords)})

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
        request={"multipart/form-data": KeywordImportSerializer},
        responses={201: KeywordBulkResultSerializer, 200: KeywordImportPreviewSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser, StrictJSONParser])
    def import_csv(self, request):
        """Import a CSV file; all or nothing (errors keyed by CSV line number, header = line 1:
        `{"rows": {"3": {"volume": ["…"]}}}`). With the form field `preview=true` nothing is saved: the answer
        (200) lists every row, what it would create and its errors (row, field, message)."""
        payload = KeywordImportSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        site = payload.validated_data["site"]
        rows = _read_csv(payload.validated_data["file"])
        if payload.validated_data["preview"]:
            return Response(_preview(rows, site))
        clean, errors = _validate_rows(rows, site, first_row_number=2)
        if errors:
            raise ValidationError({"rows": errors})
        ids = keywords_import(site=site, rows=clean)
        return Response({"created": len(ids), "ids": ids}, status=status.HTTP_201_CREATED)


def _preview(rows: list[dict], site) -> dict:
    """What an import of these CSV rows would do, row by row, without saving anything."""
    answer_rows, all_errors = [], []
    for (number, clean, errors), raw in zip(_check_rows(rows, site, first_row_number=2), rows, strict=True):
        flat = _flat_errors(number, errors)
        all_errors += flat
        values = {k: v if isinstance(v, str) else ",".join(map(str, v)) for k, v in raw.items()}
        answer_rows.append({"row": number, "values": values, "keyword": clean, "errors": flat})
    invalid = sum(1 for row in answer_rows if row["errors"])
    return {
        "preview": True,
        "total": len(rows),
        "valid": len(rows) - invalid,
        "invalid": invalid,
        "rows": answer_rows,
        "errors": all_errors,
    }


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


CLUSTER_MEMBERS_LIMIT = 500  # keywords, ideas and articles one members answer lists (of each)


def _count(model, filters: dict) -> Coalesce:
    """A correlated COUNT subquery (one per kind, so the counts never multiply each other's rows)."""
    rows = model.objects.filter(**filters).order_by().values(next(iter(filters))).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _task_model():
    """The writer's Task, reached through the relation it declares (the planner sits below the writer)."""
    return Cluster._meta.get_field("tasks").related_model


def _clusters_with_counts():
    return Cluster.objects.annotate(
        keywords_count=_count(Keyword, {"cluster": OuterRef("pk")}),
        ideas_count=_count(ContentIdea, {"cluster": OuterRef("pk")}),
        content_count=_count(_task_model(), {"cluster": OuterRef("pk"), "content__isnull": False}),
    )


class ClusterViewSet(AccountScopedViewSet):
    queryset = Cluster.objects.all()
    serializer_class = ClusterSerializer
    search_fields = ["name"]
    ordering_fields = ["id", "name", "status", "created_at", "keywords_count", "ideas_count", "content_count"]

    def get_queryset(self):
        return _clusters_with_counts().filter(account_id=self.request.user.account_id)

    @extend_schema(responses=ClusterMembersSerializer)
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        """The cluster's keywords, content ideas and articles (content written from its tasks), with their
        statuses; at most `limit` of each, the cluster's counts give the totals."""
        cluster = self.get_object()
        limit = CLUSTER_MEMBERS_LIMIT
        keywords = Keyword.objects.filter(cluster=cluster).order_by("-volume", "text")[:limit]
        ideas = ContentIdea.objects.filter(cluster=cluster).order_by("-id")[:limit]
        articles = (
            _task_model()
            .objects.filter(cluster=cluster, account_id=cluster.account_id, content__isnull=False)
            .order_by("-content__id")
            .values("content__id", "content__title", "content__status", "id")[:limit]
        )
        return Response(
            {
                "limit": limit,
                "keywords": ClusterKeywordSerializer(keywords, many=True).data,
                "ideas": ClusterIdeaSerializer(ideas, many=True).data,
                "articles": [
                    {"id": row["content__id"], "title": row["content__title"], "status": row["content__status"]}
                    | {"task": row["id"]}
                    for row in articles
                ],
            }
        )


class ContentIdeaViewSet(AccountScopedViewSet):
    queryset = ContentIdea.objects.prefetch_related("target_keywords")
    serializer_class = ContentIdeaSerializer
    filter_params = ("site", "status", "cluster")
    search_fields = ["title"]
    ordering_fields = ["id", "title", "created_at"]
