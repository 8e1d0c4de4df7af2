from __future__ import annotations

import json

import requests
from django.core.serializers.json import DjangoJSONEncoder

from backend.core.outbound import DestinationRefused, outbound_request, signature_headers
from rules.core.contract import Action, ActionError, StepResult
from rules.core.registry import registry


@registry.register
class WebhookAction(Action):
    key = "webhook"
    name = "Call a webhook"
    description = (
        "POSTs the run's context (run, rule, trigger payload) as JSON to a URL, signed with the rule's signing "
        "secret (X-Automation-Timestamp, X-Automation-Signature). Private network addresses are refused."
    )
    params_schema = {
        "type": "object",
        "properties": {
            "url": {"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2000},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "timeout": {"type": "number", "minimum": 1, "maximum": 60, "default": 10},
        },
        "required": ["url"],
        "additionalProperties": False,
    }

    def run(self, ctx, params):
        url = params["url"]
        body = json.dumps(ctx.describe(), cls=DjangoJSONEncoder).encode()
        headers = {
            "Content-Type": "application/json",
            **(params.get("headers") or {}),
            **signature_headers(ctx.signing_secret(), body),  # last: a configured header cannot replace them
        }
        try:
            # stream: the answer's body is never read (nor shown): only its status matters
            response = outbound_request(
                "POST", url, data=body, headers=headers, timeout=params.get("timeout", 10), stream=True
            )
        except DestinationRefused as exc:
            raise ActionError(exc.message, permanent=True) from exc
        except requests.RequestException as exc:
            raise ActionError(f"could not reach {url}: {exc.__class__.__name__}") from exc
        response.close()
        if response.status_code == 429 or response.status_code >= 500:
            raise ActionError(f"{url} answered {response.status_code}; will retry")
        if response.status_code >= 400:
            raise ActionError(f"{url} answered {response.status_code}", permanent=True)
        ctx.log(f"webhook {url} answered {response.status_code}")
        return StepResult(output_count=1, result={"status_code": response.status_code})

