"""What the AI layer stores: account prompt overrides and one row per provider call (token usage)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from actions.ai.providers.prompts import DEFAULT_PROMPTS


class PromptTemplate(models.Model):
    """An account's own prompt for one AI function; the built-in default is used when there is none."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="prompt_templates")
    function = models.CharField(max_length=64, choices=[(k, k) for k in DEFAULT_PROMPTS])
    template = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "function"], name="prompt_unique_per_account")]


class AICall(models.Model):
    """One provider call (retries included): tokens, duration, outcome — for cost tracking and metrics."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    run_id = models.CharField(max_length=100, blank=True, db_index=True)
    step_index = models.IntegerField(null=True, blank=True)
    provider = models.CharField(max_length=16)
    function = models.CharField(max_length=64)
    model = models.CharField(max_length=100, blank=True)
    prompt_tokens = models.IntegerField(default=0)
    completion_tokens = models.IntegerField(default=0)
    total_tokens = models.IntegerField(default=0)
    attempts = models.IntegerField(default=0)
    duration_ms = models.IntegerField(default=0)
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    # When the call ended (set by the caller: a batch's calls are written together after their calls).
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-id"]
