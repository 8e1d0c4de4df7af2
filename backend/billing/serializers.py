import datetime as dt
from decimal import Decimal

from rest_framework import serializers

from backend.billing.models import CreditTransaction


class CreditTransactionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditTransaction
        fields = [
            "id",
            "kind",
            "amount",
            "operation",
            "description",
            "run_id",
            "step_index",
            "object_type",
            "object_id",
            "balance_after",
            "reserved_after",
            "created_at",
        ]
        read_only_fields = fields


class CreditsSerializer(serializers.Serializer):
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    reserved = serializers.DecimalField(max_digits=14, decimal_places=2)
    available = serializers.DecimalField(max_digits=14, decimal_places=2)
    transactions = CreditTransactionSerializer(many=True)
    daily_credit_budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Most automation may charge a UTC day; null: none."
    )
    spent_today = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Automation charges since 00:00 UTC (what the daily budget counts)."
    )


class BudgetSerializer(serializers.Serializer):
    """The account's daily credit budget (null: no limit) and what automation spent today (UTC)."""

    daily_credit_budget = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        allow_null=True,
        help_text="Most credits automation may charge per UTC day; null removes the limit.",
    )
    spent_today = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    remaining_today = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True, help_text="Null when there is no budget."
    )


class LedgerQuerySerializer(serializers.Serializer):
    """Filters of the ledger and its CSV export. Dates are UTC days; `until` as a date includes that whole day."""

    operation = serializers.CharField(required=False, max_length=64, help_text="Exact operation name.")
    kind = serializers.ChoiceField(choices=CreditTransaction.Kind.choices, required=False)
    run_id = serializers.CharField(required=False, max_length=100, help_text="Rows of this run only.")
    since = serializers.CharField(
        required=False, help_text="ISO date (from 00:00 UTC) or date-time (naive: UTC); rows at or after it."
    )
    until = serializers.CharField(
        required=False, help_text="ISO date (to the end of that UTC day) or date-time (naive: UTC); rows up to it."
    )

    def validate_since(self, value: str) -> dt.datetime:
        return _instant(value, end_of_day=False)

    def validate_until(self, value: str) -> dt.datetime:
        return _instant(value, end_of_day=True)

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since is not None and until is not None and until <= since:
            raise serializers.ValidationError({"until": ["must be later than since."]})
        return attrs


def _instant(value: str, *, end_of_day: bool) -> dt.datetime:
    """A date or date-time as the first instant NOT included (`until`) or the first included (`since`)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day + dt.timedelta(days=1 if end_of_day else 0), dt.time.min, tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise serializers.ValidationError(
            f"'{value}' is not an ISO date (2026-12-01) or date-time (2026-12-01T08:30:00Z)."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    # `until` as a date-time is inclusive: rows strictly before the next microsecond.
    return moment + dt.timedelta(microseconds=1) if end_of_day else moment


class UsageQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, default=30, help_text="UTC days, today included.")


class UsageDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    credits = serializers.DecimalField(max_digits=14, decimal_places=2)


class UsageStageSerializer(serializers.Serializer):
    stage = serializers.IntegerField(allow_null=True, help_text="Pipeline stage number; null for other operations.")
    name = serializers.CharField(help_text="The stage's name, or the operation's for other operations.")
    operation = serializers.CharField()
    credits = serializers.DecimalField(max_digits=14, decimal_places=2)


class UsageSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    timezone = serializers.CharField(help_text="Days are days of this zone (always UTC).")
    since = serializers.DateField()
    until = serializers.DateField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    per_day = UsageDaySerializer(many=True, help_text="Every day of the range, oldest first, zeros included.")
    by_stage = UsageStageSerializer(
        many=True, help_text="The seven stages in order (zeros included), then other operations that spent."
    )


class OperationsSerializer(serializers.Serializer):
    operations = serializers.ListField(child=serializers.CharField())
