from __future__ import annotations

import requests

from actions.base import Action, ActionError, StepResult
from actions.registry import registry


@registry.register
class WebhookAction(Action):
    key = "webhook"
    name = "Call a webhook"
    description = "POSTs the run's context (run, rule, trigger payload) as JSON to a URL."
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
        body = ctx.describe()
        try:
            response = requests.post(
                params["url"], json=body, headers=params.get("headers") or {}, timeout=params.get("timeout", 10)
            )
        except requests.RequestException as exc:
            raise ActionError(f"could not reach {params['url']}: {exc.__class__.__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise ActionError(f"{params['url']} answered {response.status_code}; will retry")
        if response.status_code >= 400:
            raise ActionError(f"{params['url']} answered {response.status_code}: {response.text[:200]}", permanent=True)
        ctx.log(f"webhook {params['url']} answered {response.status_code}")
        return StepResult(output_count=1, result={"status_code": response.status_code})
