from django.contrib import admin

from backend.billing.models import CreditTransaction


@admin.register(CreditTransaction)
class CreditTransactionAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "kind", "amount", "operation", "run_id", "balance_after", "created_at"]
    list_filter = ["kind", "operation"]
    search_fields = ["run_id", "operation", "idempotency_key"]

    def has_change_permission(self, request, obj=None):
        return False  # the ledger is append-only
