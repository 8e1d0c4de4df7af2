from __future__ import annotations

from rest_framework import serializers

from backend.accounts.models import Sector, Site
from backend.core.api import AccountScopedRelatedField, SiteScopedSerializer
from backend.core.input import MAX_POSITIVE_INT, MAX_POSITIVE_SMALLINT
from backend.planner.models import Cluster, ContentIdea
from backend.writer.html import sanitize_html
from backend.writer.media import image_file_url
from backend.writer.models import Content, Image, Task

SCOPED_FIELDS = ["id", "site", "sector", "created_at", "updated_at"]


class TaskSerializer(SiteScopedSerializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all())
    sector = AccountScopedRelatedField(queryset=Sector.objects.all(), required=False, allow_null=True)
    idea = AccountScopedRelatedField(queryset=ContentIdea.objects.all(), required=False, allow_null=True)
    cluster = AccountScopedRelatedField(queryset=Cluster.objects.all(), required=False, allow_null=True)
    same_site_fields = ("idea", "cluster", "sector")

    class Meta:
        model = Task
        fields = [*SCOPED_FIELDS, "idea", "cluster", "title", "target_word_count", "status", "error"]
        read_only_fields = ["id", "created_at", "updated_at", "error"]
        extra_kwargs = {"target_word_count": {"max_value": MAX_POSITIVE_INT}}  # the column's limit everywhere


class ContentSerializer(SiteScopedSerializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all())
    sector = AccountScopedRelatedField(queryset=Sector.objects.all(), required=False, allow_null=True)
    task = AccountScopedRelatedField(queryset=Task.objects.all(), required=False, allow_null=True)
    images_count = serializers.SerializerMethodField()
    cluster = serializers.SerializerMethodField(help_text="The cluster of its task (null without one).")
    same_site_fields = ("task", "sector")

    class Meta:
        model = Content
        fields = [
            *SCOPED_FIELDS,
            "task",
            "title",
            "slug",
            "html_content",
            "excerpt",
            "meta_title",
            "meta_description",
            "primary_keyword",
            "tags",
            "categories",
            "word_count",
            "seo_score",
            "status",
            "external_id",
            "external_url",
            "published_at",
            "images_count",
            "cluster",
            "review_note",
            "publish_status",
            "publish_error",
            "post_status",
        ]
        read_only_fields = [
            "id",
            "created_at",
            "updated_at",
            "word_count",
            "seo_score",
            "external_id",
            "external_url",
            "published_at",
            "review_note",
            "publish_status",
            "publish_error",
            "post_status",
        ]

    def get_images_count(self, obj: Content) -> int:
        annotated = getattr(obj, "images_total", None)
        return annotated if annotated is not None else obj.images.count()

    def get_cluster(self, obj: Content) -> int | None:
        annotated = getattr(obj, "task_cluster", False)  # ContentViewSet annotates it: no query per row
        if annotated is not False:
            return annotated
        return Task.objects.filter(pk=obj.task_id).values_list("cluster_id", flat=True).first() if obj.task_id else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if "html_content" in data:  # rows stored before sanitizing (or written around save()) are safe too
            data["html_content"] = sanitize_html(data["html_content"] or "")
        return data

    def validate_html_content(self, value: str) -> str:
        return sanitize_html(value)

    def validate_title(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()


class ImageSerializer(SiteScopedSerializer):
    site = AccountScopedRelatedField(queryset=Site.objects.all())
    sector = AccountScopedRelatedField(queryset=Sector.objects.all(), required=False, allow_null=True)
    content = AccountScopedRelatedField(queryset=Content.objects.all())
    file_url = serializers.SerializerMethodField()
    same_site_fields = ("content", "sector")

    class Meta:
        model = Image
        fields = [*SCOPED_FIELDS, "content", "kind", "position", "prompt", "url", "file_url", "status", "error"]
        read_only_fields = ["id", "created_at", "updated_at", "file_url", "error"]
        validators: list = []
        extra_kwargs = {"position": {"max_value": MAX_POSITIVE_SMALLINT}}  # the column's limit everywhere

    def get_file_url(self, obj: Image) -> str | None:
        """A signed URL that expires after MEDIA_URL_MAX_AGE_SECONDS: the file is private to the account."""
        if not obj.file:
            return None
        url = image_file_url(image=obj)
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def validate(self, attrs):
        attrs = super().validate(attrs)
        content = attrs.get("content") or getattr(self.instance, "content", None)
        kind = attrs.get("kind", getattr(self.instance, "kind", Image.Kind.IN_ARTICLE))
        position = attrs.get("position", getattr(self.instance, "position", 0))
        clash = Image.objects.filter(content=content, kind=kind, position=position)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if content is not None and clash.exists():
            raise serializers.ValidationError(
                {"position": [f"Content {content.pk} already has a {kind} image at position {position}."]}
            )
        return attrs
