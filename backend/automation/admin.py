from django.contrib import admin

from backend.automation.models import AutomationConfig


@admin.register(AutomationConfig)
class AutomationConfigAdmin(admin.ModelAdmin):
    list_display = ["site", "is_enabled", "frequency", "scheduled_time", "last_run_at", "next_run_at"]
    list_filter = ["is_enabled", "frequency"]
