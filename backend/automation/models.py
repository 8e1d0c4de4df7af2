"""AutomationConfig: the pipeline's run notifications per site.

Everything else the seeds call the pipeline's configuration (schedule, stages, batch sizes, delays) is the
site's preset rule itself: see backend/automation/config.py.
"""

from __future__ import annotations

from django.db import models

MAX_BATCH = 100  # items per batch, as every item action's params schema allows


class AutomationConfig(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, editable=False, related_name="+")
    site = models.OneToOneField("accounts.Site", on_delete=models.CASCADE, related_name="automation_config")
    notify_email = models.BooleanField(default=True)
    notify_webhook_url = models.URLField(max_length=500, blank=True)
    notify_on_complete = models.BooleanField(default=True, help_text="Notify (email, webhook) when a run completes.")
    notify_on_fail = models.BooleanField(default=True, help_text="Notify (email, webhook) when a run fails.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"automation notifications of {self.site}"

    def save(self, *args, **kwargs):
        if self.site_id and not self.account_id:
            self.account_id = self.site.account_id
        super().save(*args, **kwargs)
