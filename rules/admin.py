from django.contrib import admin

from rules.models import (
    AutomationRule,
    AutomationRuleVersion,
    AutomationRun,
    DeadLetter,
    EventRecord,
    RunLog,
    RunStep,
    RunTally,
    TriggerRecord,
)


@admin.register(AutomationRule)
class AutomationRuleAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "account", "site", "trigger_type", "trigger_event", "mode", "is_active", "version"]
    list_filter = ["trigger_type", "mode", "is_active"]
    search_fields = ["name"]
    exclude = ["webhook_secret"]


@admin.register(AutomationRuleVersion)
class AutomationRuleVersionAdmin(admin.ModelAdmin):
    list_display = ["rule", "version", "created_at"]


class RunStepInline(admin.TabularInline):
    model = RunStep
    extra = 0
    fields = ["index", "action_type", "status", "attempts", "input_count", "output_count", "credits_used", "error"]
    readonly_fields = fields


@admin.register(AutomationRun)
class AutomationRunAdmin(admin.ModelAdmin):
    list_display = ["run_id", "rule_name", "site", "trigger_type", "status", "total_credits_used", "created_at"]
    list_filter = ["status", "trigger_type"]
    search_fields = ["run_id", "rule_name"]
    inlines = [RunStepInline]


@admin.register(RunStep)
class RunStepAdmin(admin.ModelAdmin):
    list_display = ["run", "index", "action_type", "status", "attempts"]
    list_filter = ["status", "action_type"]


@admin.register(RunLog)
class RunLogAdmin(admin.ModelAdmin):
    list_display = ["run", "step_index", "level", "message", "at"]


@admin.register(TriggerRecord)
class TriggerRecordAdmin(admin.ModelAdmin):
    list_display = ["rule", "event", "outcome", "reason", "at"]
    list_filter = ["outcome"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the engine writes; the admin only shows them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdmin):
    list_display = ["task", "task_id", "account", "run", "deliveries", "reason", "at"]
    search_fields = ["task", "task_id"]


@admin.register(EventRecord)
class EventRecordAdmin(ReadOnlyAdmin):
    list_display = ["name", "account", "site_id", "object_type", "object_id", "at"]
    list_filter = ["name"]
    date_hierarchy = "at"


@admin.register(RunTally)
class RunTallyAdmin(ReadOnlyAdmin):
    list_display = [
        "account", "site", "rule", "runs", "completed", "completed_with_errors", "failed", "cancelled", "credits_used"
    ]  # fmt: skip
    list_filter = ["account"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # run numbers and all-time counts of the site's pipeline rest on it
