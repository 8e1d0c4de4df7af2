from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from backend.accounts.models import Sector, Site
from backend.core.api import AccountScopedRelatedField, SiteScopedSerializer, StrictSerializerMixin
from backend.core.input import MAX_ID, MAX_POSITIVE_INT
from backend.planner.models import Cluster, ContentIdea, Keyword

SCOPED_FIELDS = ["id", "site", "sector", "created_at", "updated_at"]


class KeywordSerializer(SiteScopedSerializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all())
    sector = AccountScopedRelatedField(queryset=Sector.objects.all(), required=False, allow_null=True)
    cluster = AccountScopedRelatedField(queryset=Cluster.objects.all(), required=False, allow_null=True)
    cluster_name = serializers.CharField(source="cluster.name", read_only=True, allow_null=True, default=None)
    same_site_fields = ("cluster", "sector")

    class Meta:
        model = Keyword
        fields = [
            *SCOPED_FIELDS,
            "text",
            "volume",
            "difficulty",
            "intent",
            "status",
            "cluster",
            "cluster_name",
            "disabled",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []  # uniqueness is checked in validate() with a message naming the field
        extra_kwargs = {"volume": {"max_value": MAX_POSITIVE_INT}}  # the column's limit on every database

    def validate_text(self, value: str) -> str:
        value = " ".join(value.split()).lower()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        site = attrs.get("site") or getattr(self.instance, "site", None)
        text = attrs.get("text")
        if text and site:
            clash = Keyword.objects.filter(site=site, text=text)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError({"text": [f"Keyword '{text}' already exists on this site."]})
        return attrs


class KeywordRowSerializer(StrictSerializerMixin, serializers.Serializer):
    """One row of a bulk create or CSV import (the site comes from the request)."""

    text = serializers.CharField(max_length=255)
    volume = serializers.IntegerField(min_value=0, max_value=MAX_POSITIVE_INT, required=False, default=0)
    difficulty = serializers.IntegerField(min_value=0, max_value=100, required=False, default=0)
    intent = serializers.ChoiceField(choices=Keyword.Intent.choices, required=False, default="informational")

    def validate_text(self, value: str) -> str:
        value = " ".join(value.split()).lower()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value


class KeywordBulkCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all())
    keywords = serializers.ListField(child=serializers.DictField(), min_length=1)

    def validate_keywords(self, rows: list) -> list:
        limit = settings.KEYWORD_IMPORT_MAX_ROWS
        if len(rows) > limit:
            raise serializers.ValidationError(
                f"{len(rows):,} rows; an import takes at most {limit:,} at a time (KEYWORD_IMPORT_MAX_ROWS)."
            )
        return rows


class KeywordImportSerializer(StrictSerializerMixin, serializers.Serializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all())
    file = serializers.FileField(help_text="CSV with a header row: keyword (or text), volume, difficulty, intent.")
    preview = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: parse and validate only, save nothing, and answer every row with its errors (200).",
    )


class KeywordBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())


class KeywordRowValuesSerializer(serializers.Serializer):
    """A valid row as it would be saved."""

    text = serializers.CharField()
    volume = serializers.IntegerField()
    difficulty = serializers.IntegerField()
    intent = serializers.ChoiceField(choices=Keyword.Intent.choices)


class KeywordRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="CSV line number (the header is line 1).")
    field = serializers.CharField()
    message = serializers.CharField()


class KeywordImportPreviewRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="CSV line number (the header is line 1).")
    values = serializers.DictField(child=serializers.CharField(), help_text="The row's cells as read, by column.")
    keyword = KeywordRowValuesSerializer(allow_null=True, help_text="What would be saved; null when the row is bad.")
    errors = KeywordRowErrorSerializer(many=True)


class KeywordImportPreviewSerializer(serializers.Serializer):
    preview = serializers.BooleanField()
    total = serializers.IntegerField()
    valid = serializers.IntegerField()
    invalid = serializers.IntegerField()
    rows = KeywordImportPreviewRowSerializer(many=True)
    errors = KeywordRowErrorSerializer(many=True)


BULK_MAX_IDS = 1000  # ids one bulk update or delete takes


class KeywordIdsSerializer(StrictSerializerMixin, serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=BULK_MAX_IDS
    )


class KeywordBulkUpdateSerializer(KeywordIdsSerializer):
    disabled = serializers.BooleanField()


class KeywordBulkUpdateResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()


class KeywordBulkDeleteResultSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()


class ClusterSerializer(SiteScopedSerializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all())
    sector = AccountScopedRelatedField(queryset=Sector.objects.all(), required=False, allow_null=True)
    keywords_count = serializers.IntegerField(read_only=True)
    ideas_count = serializers.IntegerField(read_only=True)
    content_count = serializers.IntegerField(read_only=True)
    same_site_fields = ("sector",)

    class Meta:
        model = Cluster
        fields = [
            *SCOPED_FIELDS,
            "name",
            "description",
            "status",
            "keywords_count",
            "ideas_count",
            "content_count",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []

    def validate(self, attrs):
        attrs = super().validate(attrs)
        site = attrs.get("site") or getattr(self.instance, "site", None)
        name = attrs.get("name")
        if name and site:
            clash = Cluster.objects.filter(site=site, name__iexact=name)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError({"name": [f"A cluster named '{name}' already exists on this site."]})
        return attrs


class ClusterKeywordSerializer(serializers.ModelSerializer):
    class Meta:
        model = Keyword
        fields = ["id", "text", "volume", "difficulty", "intent", "status", "disabled"]


class ClusterIdeaSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContentIdea
        fields = ["id", "title", "status"]


class ClusterArticleSerializer(serializers.Serializer):
    """A content item written for the cluster (through its writing task)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField(help_text="The content's status: draft, review, approved or published.")
    task = serializers.IntegerField()


class ClusterMembersSerializer(serializers.Serializer):
    """A cluster's keywords, ideas and articles: at most `limit` of each (the cluster's counts give the totals)."""

    limit = serializers.IntegerField()
    keywords = ClusterKeywordSerializer(many=True)
    ideas = ClusterIdeaSerializer(many=True)
    articles = ClusterArticleSerializer(many=True)


class ContentIdeaSerializer(SiteScopedSerializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all())
    sector = AccountScopedRelatedField(queryset=Sector.objects.all(), required=False, allow_null=True)
    cluster = AccountScopedRelatedField(queryset=Cluster.objects.all(), required=False, allow_null=True)
    target_keywords = AccountScopedRelatedField(queryset=Keyword.objects.all(), many=True, required=False)
    same_site_fields = ("cluster", "sector", "target_keywords")

    class Meta:
        model = ContentIdea
        fields = [
            *SCOPED_FIELDS,
            "title",
            "description",
            "content_type",
            "content_structure",
            "target_keywords",
            "cluster",
            "status",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
