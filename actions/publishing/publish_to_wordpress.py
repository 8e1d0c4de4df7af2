"""publish_to_wordpress: approved content becomes a post on its site's WordPress; publishing again updates it."""

from __future__ import annotations

from typing import Any

from actions.items import BatchOutcome, ItemAction, item_schema
from backend.integrations.models import Integration
from backend.integrations.services import (
    PublishError,
    PublishOptions,
    content_publish,
    integration_client,
    publishing_target,
)
from backend.writer.models import Content
from rules.core.contract import ActionError
from rules.core.registry import registry

NAMES = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 200}, "maxItems": 50}


@registry.register
class PublishToWordPress(ItemAction):
    key = "publish_to_wordpress"
    name = "Publish to WordPress"
    description = (
        "Create or update a WordPress post (featured image, categories, tags) for each approved "
        "content item of the site, through the site's WordPress integration; the content becomes "
        "published. With `ids`, published content is published again (its post is updated). "
        "`integration_id` publishes every item through that integration instead."
    )
    queue = "publish"
    item_kind = "content"
    waiting = "approved (or published, to publish again)"
    default_batch_size = 5
    params_schema = item_schema(
        {
            "status": {"enum": ["draft", "publish"], "default": "draft", "description": "The WordPress post status."},
            "categories": {
                **NAMES,
                "description": "Category names to add to the content's own (created when missing).",
            },
            "tags": {**NAMES, "description": "Tag names to add to the content's own (created when missing)."},
            "include_featured_image": {
                "type": "boolean",
                "default": True,
                "description": "Upload the featured image and set it on the post.",
            },
            "integration_id": {
                "type": "integer",
                "minimum": 1,
                "description": "Publish through this WordPress integration (an active one of the account; the step "
                "fails for any other) instead of each content's own site integration.",
            },
        }
    )
    param_aliases = {"content_ids": "ids"}

    def queryset_for_site(self, site_id):
        return Content.objects.filter(site_id=site_id, status=Content.Status.APPROVED)

    def input_queryset(self, ctx, params: dict[str, Any]):
        states = [Content.Status.APPROVED, Content.Status.PUBLISHED] if params.get("ids") else [Content.Status.APPROVED]
        queryset = Content.objects.filter(account_id=ctx.account_id, status__in=states)
        return (queryset.filter(site_id=ctx.site_id) if ctx.site_id is not None else queryset).order_by("pk")

    def run(self, ctx, params: dict[str, Any]):
        if params.get("integration_id"):
            try:
                _chosen_target(account_id=ctx.account_id, integration_id=params["integration_id"])
            except PublishError as exc:  # checked before any item is claimed
                raise ActionError(exc.message, permanent=True) from exc
        return super().run(ctx, params)

    def process_batch(self, ctx, items: list, params: dict[str, Any]) -> BatchOutcome:
        options = PublishOptions(
            status=params.get("status", "draft"),
            categories=tuple(params.get("categories", ())),
            tags=tuple(params.get("tags", ())),
            include_featured_image=params.get("include_featured_image", True),
        )
        outcome, transient = BatchOutcome(), []
        targets = _Targets(account_id=ctx.account_id, integration_id=params.get("integration_id"))
        for content in items:
            if ctx.dry_run:
                ctx.would_call(f"publish content {content.pk} ({content.title!r}) to WordPress as {options.status}")
                outcome.consumed, outcome.produced = outcome.consumed + 1, outcome.produced + 1
                outcome.ids.append(content.pk)
                continue
            try:
                integration, client = targets.for_site(content.site_id)
                done = content_publish(content=content, integration=integration, client=client, options=options)
            except PublishError as exc:
                outcome.failed.append((content.pk, exc.message))
                if not exc.permanent:
                    transient.append(exc.message)
                continue
            outcome.consumed, outcome.produced = outcome.consumed + 1, outcome.produced + 1
            outcome.ids.append(content.pk)
            outcome.result["images_uploaded"] = outcome.result.get("images_uploaded", 0) + int(done.uploaded)
            ctx.log(f"content {content.pk} published to {done.url} (post {done.post_id}, status {done.status})")
        if items and len(transient) == len(items):  # WordPress is down: let the engine retry the step later
            raise ActionError(f"all {len(items)} item(s) of the batch failed: {transient[0]}", permanent=False)
        return outcome


def _chosen_target(*, account_id: int, integration_id: int):
    """The account's active WordPress integration `integration_id` and a client; PublishError otherwise."""
    # Another account's integration is "not found" exactly like a missing one: no way to learn it exists.
    integration = Integration.objects.filter(
        pk=integration_id, account_id=account_id, kind=Integration.Kind.WORDPRESS, is_active=True
    ).first()
    if integration is None:
        raise PublishError(
            f"integration_id {integration_id}: no active WordPress integration with this id in the account",
            permanent=True,
        )
    try:
        return integration, integration_client(integration=integration)
    except ValueError as exc:  # the password was encrypted with another FIELD_ENCRYPTION_KEY
        raise PublishError(f"WordPress integration {integration_id}: {exc}", permanent=True) from exc


class _Targets(dict):
    """Each site's integration and client (or the step's chosen one), looked up once per batch."""

    def __init__(self, *, account_id: int, integration_id: int | None = None) -> None:
        super().__init__()
        self.account_id, self.integration_id = account_id, integration_id

    def for_site(self, site_id: int):
        if site_id not in self:
            try:
                self[site_id] = (
                    _chosen_target(account_id=self.account_id, integration_id=self.integration_id)
                    if self.integration_id
                    else publishing_target(site_id=site_id)
                )
            except PublishError as exc:
                self[site_id] = exc
        if isinstance(self[site_id], PublishError):
            raise PublishError(self[site_id].message, permanent=True)
        return self[site_id]
