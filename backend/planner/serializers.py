from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from backend.accounts.models import Sector, Site
from backend.core.api import AccountScopedRelatedField, SiteScopedSerializer, StrictSerializerMixin
from backend.core.input import MAX_POSITIVE_INT
from backend.planner.models import Cluster, ContentIdea, Keyword

SCOPED_FIELDS = ["id", "site", "sector", "created_at", "updated_at"]


class KeywordSerializer(SiteScopedSerializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all())
    sector = AccountScopedRelatedField(queryset=Sector.objects.all(), required=False, allow_null=True)
    cluster = AccountScopedRelatedField(queryset=Cluster.objects.all(), required=False, allow_null=True)
    same_site_fields = ("cluster", "sector")

    class Meta:
        model = Keyword
        fields = [*SCOPED_FIELDS, "text", "volume", "difficulty", "intent", "status", "cluster", "disabled"]
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


class KeywordBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())


class ClusterSerializer(SiteScopedSerializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all())
    sector = AccountScopedRelatedField(queryset=Sector.objects.all(), required=False, allow_null=True)
    keywords_count = serializers.IntegerField(read_only=True)
    ideas_count = serializers.IntegerField(read_only=True)
    same_site_fields = ("sector",)

    class Meta:
        model = Cluster
        fields = [*SCOPED_FIELDS, "name", "description", "status", "keywords_count", "ideas_count"]
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
