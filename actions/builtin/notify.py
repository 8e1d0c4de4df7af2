from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from rules.core.contract import Action, ActionError, StepResult
from rules.core.registry import registry


@registry.register
class NotifyAction(Action):
    key = "notify"
    name = "Send an email"
    description = "Emails the account's users (or the given addresses) through Django's mail backend."
    params_schema = {
        "type": "object",
        "properties": {
            "to": {"type": "array", "items": {"type": "string", "format": "email"}, "maxItems": 50},
            "subject": {"type": "string", "minLength": 1, "maxLength": 200},
            "message": {"type": "string", "minLength": 1, "maxLength": 10000},
        },
        "required": ["subject", "message"],
        "additionalProperties": False,
    }

    def run(self, ctx, params):
        recipients = params.get("to") or ctx.account_emails()
        if not recipients:
            raise ActionError(
                "nobody to notify: give `to` or add an email address to a user of the account", permanent=True
            )
        if ctx.dry_run:
            ctx.would_call(f"email {', '.join(recipients)}: {ctx.render(params['subject'])}")
            return StepResult(output_count=len(recipients), result={"recipients": recipients})
        try:
            sent = send_mail(
                ctx.render(params["subject"]), ctx.render(params["message"]), settings.DEFAULT_FROM_EMAIL, recipients
            )
        except OSError as exc:
            raise ActionError(f"the mail server refused or is unreachable: {exc}") from exc
        ctx.log(f"emailed {', '.join(recipients)}")
        return StepResult(output_count=sent, result={"recipients": recipients})
