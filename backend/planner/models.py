"""Planner domain: keywords are grouped into clusters, clusters give content ideas."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models

from backend.core.models import SiteScopedModel, StatusLifecycle


class Cluster(StatusLifecycle, SiteScopedModel):
    class Status(models.TextChoices):
        NEW = "new"  # created by clustering, no ideas yet (seed 004 fix)
        MAPPED = "mapped"  # ideas generated

    TRANSITIONS = {"new": {"mapped"}, "mapped": {"new"}}

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="cluster_name_unique_per_site")]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return self.name


class Keyword(StatusLifecycle, SiteScopedModel):
    class Status(models.TextChoices):
        NEW = "new"
        MAPPED = "mapped"

    class Intent(models.TextChoices):
        INFORMATIONAL = "informational"
        NAVIGATIONAL = "navigational"
        COMMERCIAL = "commercial"
        TRANSACTIONAL = "transactional"

    TRANSITIONS = {"new": {"mapped"}, "mapped": {"new"}}

    text = models.CharField(max_length=255)
    volume = models.PositiveIntegerField(default=0)
    difficulty = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    intent = models.CharField(max_length=16, choices=Intent.choices, default=Intent.INFORMATIONAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    cluster = models.ForeignKey(Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="keywords")
    disabled = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "text"], name="keyword_text_unique_per_site")]
        indexes = [models.Index(fields=["site", "status", "cluster"])]

    def __str__(self) -> str:
        return self.text


class ContentIdea(StatusLifecycle, SiteScopedModel):
    class Status(models.TextChoices):
        NEW = "new"
        QUEUED = "queued"
        COMPLETED = "completed"

    TRANSITIONS = {"new": {"queued"}, "queued": {"completed", "new"}, "completed": set()}

    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    content_type = models.CharField(max_length=32, default="post")
    content_structure = models.CharField(max_length=32, default="article")
    target_keywords = models.ManyToManyField(Keyword, blank=True, related_name="ideas")
    cluster = models.ForeignKey(Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return self.title
