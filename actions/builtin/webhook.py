from __future__ import annotations

import json
import re

import requests
from django.core.serializers.json import DjangoJSONEncoder

from backend.core.outbound import DestinationRefused, outbound_request, signature_headers
from rules.core.contract import Action, ActionError, StepResult
from rules.core.registry import registry

SECRET_HEADER = re.compile(r"authorization|token|secret|api[-_]?key|password|cookie", re.IGNORECASE)


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
            "url": {"title": "URL", "type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2000},
            "headers": {
                "title": "Headers",
                "description": "Sent as written and shown to anyone who can read the rule: nothing secret here.",
                "type": "object",
                "additionalProperties": {"type": "string", "maxLength": 2000},
            },
            "secret_headers": {
                "title": "Secret headers",
                "description": "Header → the name of one of the rule's credentials (write-only), e.g. "
                '{"Authorization": "api_token"}: the value is sent, never shown.',
                "type": "object",
                "additionalProperties": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
            },
            "timeout": {
                "title": "Request timeout (seconds)",
                "description": "How long to wait for the answer (the step's own timeout bounds the whole step).",
                "type": "number",
                "minimum": 1,
                "maximum": 60,
                "default": 10,
            },
        },
        "required": ["url"],
        "additionalProperties": False,
    }

    @classmethod
    def check_params(cls, params):
        """A header that carries a secret is stored as a credential, not in plain params anyone can read."""
        return [
            (f"headers/{name}", "looks like a secret: store it as a credential and send it with secret_headers")
            for name in params.get("headers") or {}
            if SECRET_HEADER.search(name)
        ]

    def run(self, ctx, params):
        url = params["url"]
        if ctx.dry_run:
            ctx.would_call(f"POST {url}")
            return StepResult(output_count=1, result={"status_code": None})
        body = json.dumps(ctx.describe(), cls=DjangoJSONEncoder).encode()
        secret = {header: ctx.credential(name) for header, name in (params.get("secret_headers") or {}).items()}
        headers = {
            "Content-Type": "application/json",
            **(params.get("headers") or {}),
            **secret,
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
