"""Base classes for account-scoped REST resources.

Contract: every queryset is filtered to the caller's account, so another account's object is
a 404; serializers reject unknown fields with a 400 naming them; related objects must belong to
the caller's account and to the same site as the object being written.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import filters, serializers, viewsets
from rest_framework.exceptions import ValidationError

from backend.core.input import parse_id


class StrictSerializerMixin:
    """Reject keys the serializer does not know instead of silently ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class AccountScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary-key field whose choices are limited to the caller's account."""

    def get_queryset(self):
        request = self.context.get("request")
        account_id = getattr(getattr(request, "user", None), "account_id", None)
        return super().get_queryset().filter(account_id=account_id)


class SiteScopedSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    """Serializer for SiteScopedModel rows: site fixed after creation, relations on the same site."""

    same_site_fields: tuple[str, ...] = ()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        site = attrs.get("site") or getattr(self.instance, "site", None)
        if self.instance is not None and "site" in attrs and attrs["site"] != self.instance.site:
            raise ValidationError({"site": ["The site of an existing object cannot be changed."]})
        for name in self.same_site_fields:
            related = attrs.get(name)
            items = related if isinstance(related, list) else [related]
            for item in items:
                if item is not None and site is not None and item.site_id != site.id:
                    raise ValidationError({name: [f"{item._meta.verbose_name} {item.pk} belongs to another site."]})
        self._check_status(attrs)
        return attrs

    def _check_status(self, attrs) -> None:
        model = self.Meta.model
        if self.instance is None or "status" not in attrs or not hasattr(model, "check_transition"):
            return
        try:
            model.check_transition(self.instance.status, attrs["status"])
        except DjangoValidationError as exc:
            raise ValidationError({"status": exc.messages}) from exc


class FilterByQueryParams(filters.BaseFilterBackend):
    """Exact-match filters named by the view's `filter_params` (`?site=1&status=new`)."""

    def filter_queryset(self, request, queryset, view):
        for param in getattr(view, "filter_params", ()):
            value = request.query_params.get(param)
            if value in (None, ""):
                continue
            field = queryset.model._meta.get_field(param)
            if isinstance(field, models.BooleanField):
                value = {"true": "True", "false": "False"}.get(value.lower(), value)
            try:
                if field.is_relation or isinstance(field, models.IntegerField | models.AutoField):
                    parse_id(value) if field.is_relation else int(value)  # SQLite cannot hold more than 64 bits
                lookup_value = field.target_field.to_python(value) if field.is_relation else field.to_python(value)
                if field.choices and value not in {str(c[0]) for c in field.choices}:
                    raise DjangoValidationError(
                        f"'{value}' is not one of {', '.join(str(c[0]) for c in field.choices)}."
                    )
            except DjangoValidationError as exc:
                raise ValidationError({param: exc.messages}) from exc
            except ValueError as exc:
                raise ValidationError({param: [f"'{value}' is not a valid id."]}) from exc
            queryset = queryset.filter(**{param: lookup_value})
        return queryset

    def get_schema_operation_parameters(self, view):
        queryset = getattr(view, "queryset", None)
        model = queryset.model if queryset is not None else getattr(view, "filter_model", None)
        return [
            {
                "name": p,
                "required": False,
                "in": "query",
                "schema": _param_schema(model, p),
                "description": f"Filter by {p}.",
            }
            for p in getattr(view, "filter_params", ())
        ]


def _param_schema(model, name: str) -> dict:
    """The OpenAPI type of a filter: an id for relations, the choices as an enum, booleans, integers."""
    if model is None:
        return {"type": "string"}
    field = model._meta.get_field(name)
    if field.is_relation or isinstance(field, (models.IntegerField, models.AutoField)):
        return {"type": "integer"}
    if isinstance(field, models.BooleanField):
        return {"type": "boolean"}
    if field.choices:
        return {"type": "string", "enum": [str(c[0]) for c in field.choices]}
    return {"type": "string"}


class AccountScopedViewSet(viewsets.ModelViewSet):
    """CRUD over the caller's account's rows of `queryset.model`."""

    filter_backends = [FilterByQueryParams, filters.SearchFilter, filters.OrderingFilter]
    filter_params: tuple[str, ...] = ("site", "status")
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().filter(account_id=self.request.user.account_id)

    def perform_create(self, serializer):
        site = serializer.validated_data.get("site")
        serializer.save(account_id=site.account_id if site is not None else self.request.user.account_id)
