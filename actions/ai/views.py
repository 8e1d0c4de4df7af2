"""Prompt templates an account can override (`/api/v1/prompts/`), and the credit cost table."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from actions.ai.models import PromptTemplate
from actions.ai.providers.prompts import (
    DEFAULT_PROMPTS,
    PROMPT_VARIABLES,
    PromptTemplateError,
    validate_prompt_overrides,
)
from actions.costs import cost_table
from backend.core.api import StrictSerializerMixin


class PromptOut(serializers.Serializer):
    function = serializers.CharField()
    default = serializers.CharField()
    override = serializers.CharField(allow_null=True)
    variables = serializers.ListField(child=serializers.CharField())


class PromptIn(StrictSerializerMixin, serializers.Serializer):
    template = serializers.CharField(max_length=20000)


def _prompt(function: str, override: str | None) -> dict:
    return {
        "function": function,
        "default": DEFAULT_PROMPTS[function],
        "override": override,
        "variables": sorted(PROMPT_VARIABLES[function]),
    }


class PromptListView(APIView):
    @extend_schema(responses=PromptOut(many=True))
    def get(self, request):
        """Every AI function's prompt: the built-in default, the account's override (if any), the placeholders."""
        overrides = dict(
            PromptTemplate.objects.filter(account_id=request.user.account_id).values_list("function", "template")
        )
        return Response([_prompt(f, overrides.get(f)) for f in DEFAULT_PROMPTS])


class PromptDetailView(APIView):
    def _function(self, function: str) -> str:
        if function not in DEFAULT_PROMPTS:
            raise NotFound(f"no AI function named {function!r}")
        return function

    @extend_schema(responses=PromptOut)
    def get(self, request, function: str):
        row = PromptTemplate.objects.filter(account_id=request.user.account_id, function=self._function(function))
        return Response(_prompt(function, row.values_list("template", flat=True).first()))

    @extend_schema(request=PromptIn, responses=PromptOut)
    def put(self, request, function: str):
        """Set the account's override; placeholders are checked against the function's variables."""
        body = PromptIn(data=request.data)
        body.is_valid(raise_exception=True)
        template = body.validated_data["template"]
        try:
            validate_prompt_overrides({self._function(function): template})
        except PromptTemplateError as exc:
            raise ValidationError({"template": [str(exc)]}) from exc
        PromptTemplate.objects.update_or_create(
            account_id=request.user.account_id, function=function, defaults={"template": template}
        )
        return Response(_prompt(function, template))

    @extend_schema(responses={204: None})
    def delete(self, request, function: str):
        """Drop the override: the built-in default applies again."""
        PromptTemplate.objects.filter(account_id=request.user.account_id, function=self._function(function)).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class CostTableView(APIView):
    @extend_schema(
        responses=inline_serializer(
            "CostRow",
            {
                "action": serializers.CharField(),
                "unit": serializers.CharField(),
                "credits": serializers.CharField(),
                "note": serializers.CharField(required=False),
            },
            many=True,
        )
    )
    def get(self, request):
        """The credit cost of each action (the same table estimates and charges use)."""
        return Response(cost_table())
