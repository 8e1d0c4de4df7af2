from django.contrib import admin

from backend.automation.models import AutomationConfig


@admin.register(AutomationConfig)
class AutomationConfigAdmin(admin.ModelAdmin):
    list_display = ["site", "notify_email", "notify_webhook_url", "updated_at"]
