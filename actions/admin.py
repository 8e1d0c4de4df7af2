from django.contrib import admin

from actions.ai.models import AICall, PromptTemplate


@admin.register(PromptTemplate)
class PromptTemplateAdmin(admin.ModelAdmin):
    list_display = ["account", "function", "updated_at"]
    list_filter = ["function"]


@admin.register(AICall)
class AICallAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "account",
        "run_id",
        "provider",
        "function",
        "model",
        "total_tokens",
        "attempts",
        "ok",
        "duration_ms",
        "created_at",
    ]
    list_filter = ["provider", "function", "ok"]
    search_fields = ["run_id"]
