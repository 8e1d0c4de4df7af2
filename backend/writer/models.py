"""Writer domain: tasks become content; content gets a featured and in-article images."""

from __future__ import annotations

import re
import secrets
from html.parser import HTMLParser

from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from backend.core.models import SiteScopedModel, StatusLifecycle
from backend.writer.html import sanitize_html


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def count_words(html: str) -> int:
    """Words of the visible text of an HTML fragment."""
    parser = _TextExtractor()
    parser.feed(html or "")
    return len(re.findall(r"\b[\w'-]+\b", " ".join(parser.parts)))


class Task(StatusLifecycle, SiteScopedModel):
    class Status(models.TextChoices):
        QUEUED = "queued"
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"
        FAILED = "failed"

    TRANSITIONS = {
        "queued": {"in_progress"},
        "in_progress": {"completed", "failed", "queued"},
        "failed": {"queued"},
        "completed": {"queued"},  # its content was sent back to be written again (Content regenerate)
    }

    idea = models.ForeignKey(
        "planner.ContentIdea", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    cluster = models.ForeignKey(
        "planner.Cluster", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    title = models.CharField(max_length=255)
    target_word_count = models.PositiveIntegerField(default=1200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return self.title


class Content(StatusLifecycle, SiteScopedModel):
    class Status(models.TextChoices):
        DRAFT = "draft"
        REVIEW = "review"
        APPROVED = "approved"
        PUBLISHED = "published"

    class PublishStatus(models.TextChoices):
        NONE = "", "never published"
        QUEUED = "queued"
        PUBLISHED = "published"
        FAILED = "failed"

    class PostStatus(models.TextChoices):
        DRAFT = "draft"
        PUBLISH = "publish"

    TRANSITIONS = {
        "draft": {"review"},
        "review": {"approved", "draft"},
        "approved": {"published", "review", "draft"},  # draft: a reviewer rejected it
        "published": {"approved"},
    }

    task = models.OneToOneField(Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="content")
    title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, blank=True)
    html_content = models.TextField(blank=True)
    excerpt = models.TextField(blank=True)
    meta_title = models.CharField(max_length=255, blank=True)
    meta_description = models.CharField(max_length=500, blank=True)
    primary_keyword = models.CharField(max_length=255, blank=True)
    tags = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    seo_score = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    external_id = models.CharField(max_length=64, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, help_text="Why a reviewer sent it back (kept; the writer's feedback).")
    rewrite_requested = models.BooleanField(
        default=False, help_text="Its task was queued again: generate_content writes this row anew."
    )
    publish_status = models.CharField(max_length=16, choices=PublishStatus.choices, blank=True, default="")
    publish_error = models.TextField(blank=True)
    post_status = models.CharField(
        max_length=16,
        choices=PostStatus.choices,
        default=PostStatus.PUBLISH,
        help_text="The WordPress post status last requested (publish until one is).",
    )

    class Meta:
        verbose_name_plural = "content"
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return self.title

    def fill_derived(self) -> bool:
        """The fields computed from the others (sanitized HTML, word count, slug): `save` sets them; call it before
        `bulk_create`. Returns whether sanitizing changed the HTML."""
        clean = sanitize_html(self.html_content)
        changed = clean != self.html_content
        self.html_content = clean
        self.word_count = count_words(self.html_content)
        if not self.slug and self.title:
            self.slug = slugify(self.title)[:255]
        return changed

    def save(self, *args, **kwargs):
        html_changed = self.fill_derived()
        if kwargs.get("update_fields") is not None:
            derived = {"word_count", "slug", "html_content"} if html_changed else {"word_count", "slug"}
            kwargs["update_fields"] = {*kwargs["update_fields"], *derived}
        super().save(*args, **kwargs)


def image_upload_to(instance: Image, filename: str) -> str:
    """`images/<year>/<month>/<random token>-<filename>`: a file's name cannot be guessed from its content id."""
    return f"{timezone.now().strftime('images/%Y/%m')}/{secrets.token_hex(16)}-{filename}"


class Image(StatusLifecycle, SiteScopedModel):
    class Kind(models.TextChoices):
        FEATURED = "featured"
        IN_ARTICLE = "in_article"

    class Status(models.TextChoices):
        PENDING = "pending"
        GENERATED = "generated"
        FAILED = "failed"

    TRANSITIONS = {"pending": {"generated", "failed"}, "failed": {"pending"}, "generated": {"pending"}}

    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="images")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.IN_ARTICLE)
    position = models.PositiveSmallIntegerField(default=0)
    prompt = models.TextField(blank=True)
    file = models.ImageField(upload_to=image_upload_to, blank=True, db_index=True)  # media is looked up by name
    url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content", "kind", "position"], name="image_slot_unique")]
        indexes = [models.Index(fields=["site", "status"])]
        ordering = ["content_id", "kind", "position"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.position} of content {self.content_id}"
