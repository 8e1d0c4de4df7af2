"""AutomationConfig: the seven-stage pipeline's settings per site (the seeds' fields)."""

from __future__ import annotations

from datetime import time

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

MAX_BATCH = 1000


def _batch(default: int):
    return models.PositiveIntegerField(default=default, validators=[MinValueValidator(1), MaxValueValidator(MAX_BATCH)])


class AutomationConfig(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily"
        WEEKLY = "weekly"
        MONTHLY = "monthly"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, editable=False, related_name="+")
    site = models.OneToOneField("accounts.Site", on_delete=models.CASCADE, related_name="automation_config")
    is_enabled = models.BooleanField(default=False)
    frequency = models.CharField(max_length=16, choices=Frequency.choices, default=Frequency.DAILY)
    scheduled_time = models.TimeField(default=time(2, 0))  # in the site's timezone
    stage_1_batch_size = _batch(20)  # keywords per clustering call (at most 20)
    stage_2_batch_size = _batch(1)  # clusters at a time
    stage_3_batch_size = _batch(20)  # ideas per batch
    stage_4_batch_size = _batch(1)  # tasks at a time
    stage_5_batch_size = _batch(1)  # content at a time
    stage_6_batch_size = _batch(1)  # images at a time
    within_stage_delay = models.PositiveIntegerField(default=3, validators=[MaxValueValidator(600)])  # seconds
    between_stage_delay = models.PositiveIntegerField(default=5, validators=[MaxValueValidator(3600)])  # seconds
    stage_1_enabled = models.BooleanField(default=True)
    stage_2_enabled = models.BooleanField(default=True)
    stage_3_enabled = models.BooleanField(default=True)
    stage_4_enabled = models.BooleanField(default=True)
    stage_5_enabled = models.BooleanField(default=True)
    stage_6_enabled = models.BooleanField(default=True)
    stage_7_enabled = models.BooleanField(default=True)
    stage_4_concurrency = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(16)]
    )
    stage_6_concurrency = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(16)]
    )
    ideas_per_cluster = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    notify_email = models.BooleanField(default=True)
    notify_webhook_url = models.URLField(max_length=500, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"automation config of {self.site}"

    def save(self, *args, **kwargs):
        if self.site_id and not self.account_id:
            self.account_id = self.site.account_id
        super().save(*args, **kwargs)
