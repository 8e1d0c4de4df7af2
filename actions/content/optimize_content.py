from __future__ import annotations

import re

from actions.ai.providers.base import html_h2_headings, html_text
from actions.items import BatchOutcome, ItemAction, item_schema, named_items
from backend.writer.models import Content
from rules.core.registry import registry

META_TITLE_MAX = 60
META_DESCRIPTION_RANGE = (120, 160)


def _shorten(text: str, limit: int) -> str:
    """Cut at a word boundary so the result fits `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else text[:limit]
    return cut.rstrip(",.;:-") or text[:limit]


def seo_checks(content: Content) -> list[dict]:
    """The SEO checks of one article: name, passed, detail, weight."""
    text = html_text(content.html_content).lower()
    keyword = content.primary_keyword.lower().strip()
    headings = [h.lower() for h in html_h2_headings(content.html_content)]
    words = max(1, len(text.split()))
    uses = text.count(keyword) if keyword else 0
    density = 100.0 * uses * max(1, len(keyword.split())) / words
    low, high = META_DESCRIPTION_RANGE
    first_paragraph = text[:600]
    return [
        {
            "check": "meta_title_length",
            "weight": 15,
            "passed": 10 <= len(content.meta_title) <= META_TITLE_MAX,
            "detail": f"{len(content.meta_title)} characters (10–{META_TITLE_MAX})",
        },
        {
            "check": "meta_description_length",
            "weight": 15,
            "passed": low <= len(content.meta_description) <= high,
            "detail": f"{len(content.meta_description)} characters ({low}–{high})",
        },
        {
            "check": "keyword_in_title",
            "weight": 15,
            "passed": bool(keyword) and keyword in content.title.lower(),
            "detail": keyword or "no primary keyword",
        },
        {
            "check": "keyword_in_intro",
            "weight": 10,
            "passed": bool(keyword) and keyword in first_paragraph,
            "detail": "in the first paragraph" if keyword in first_paragraph else "missing from the first paragraph",
        },
        {
            "check": "keyword_in_heading",
            "weight": 10,
            "passed": bool(keyword) and any(keyword in h for h in headings),
            "detail": f"{sum(keyword in h for h in headings) if keyword else 0} of {len(headings)} H2 headings",
        },
        {
            "check": "keyword_density",
            "weight": 10,
            "passed": 0.3 <= density <= 3.0,
            "detail": f"{density:.2f}% (0.3–3%)",
        },
        {
            "check": "headings",
            "weight": 15,
            "passed": len(headings) >= 3 and "<h1" not in content.html_content,
            "detail": f"{len(headings)} H2 headings, {'an' if '<h1' in content.html_content else 'no'} H1 in the body",
        },
        {
            "check": "length",
            "weight": 10,
            "passed": content.word_count >= 600,
            "detail": f"{content.word_count} words (600 or more)",
        },
    ]


def score(checks: list[dict]) -> int:
    total = sum(c["weight"] for c in checks)
    return round(100 * sum(c["weight"] for c in checks if c["passed"]) / total)


@registry.register
class OptimizeContent(ItemAction):
    key = "optimize_content"
    name = "Optimise content for SEO"
    description = (
        "An SEO pass: fixes meta title and description lengths, then scores keyword use, headings and "
        "length (0–100) and stores the score and the checks."
    )
    queue = "local"
    cost_note = "free (local analysis)"
    item_kind = "content"
    waiting = "waiting for an SEO pass"
    default_batch_size = 20
    default_limit = 20
    params_schema = item_schema({"rescore": {"type": "boolean", "description": "Also content already scored."}})
    param_aliases = {"content_ids": "ids"}
    # The seeds list integration_id beside optimize_content, but an SEO pass publishes nothing: say so at save.
    refused_params = {
        "integration_id": "optimize_content publishes nothing; choose the integration on publish_to_wordpress"
    }

    def queryset_for_site(self, site_id):
        return Content.objects.filter(site_id=site_id, status__in=["draft", "review"], seo_score__isnull=True)

    def input_queryset(self, ctx, params):
        if params.get("ids"):
            return named_items(Content.objects.all(), ctx)
        if params.get("rescore"):
            return Content.objects.filter(account_id=ctx.account_id, site_id=ctx.site_id).order_by("pk")
        return self.queryset_for_site(ctx.site_id).order_by("pk")

    def process_batch(self, ctx, items, params):
        outcome = BatchOutcome(consumed=len(items))
        for content in items:
            if not content.title.strip():
                outcome.failed.append((content.pk, "content has no title"))
                continue
            before = score(seo_checks(content))
            self._fix_meta(content)
            checks = seo_checks(content)
            content.seo_score = score(checks)
            content.save(update_fields=["meta_title", "meta_description", "seo_score", "updated_at"])
            failed = [c["check"] for c in checks if not c["passed"]]
            ctx.log(
                f"content {content.pk}: SEO score {before} → {content.seo_score}"
                + (f"; still failing: {', '.join(failed)}" if failed else "")
            )
            outcome.produced += 1
            outcome.ids.append(content.pk)
        outcome.result["content_scored"] = outcome.produced
        return outcome

    def _fix_meta(self, content: Content) -> None:
        if not content.meta_title or len(content.meta_title) > META_TITLE_MAX:
            content.meta_title = _shorten(content.meta_title or content.title, META_TITLE_MAX)
        low, high = META_DESCRIPTION_RANGE
        if not low <= len(content.meta_description) <= high:
            source = (
                content.meta_description
                if len(content.meta_description) > high
                else (content.excerpt or html_text(content.html_content))
            )
            content.meta_description = _shorten(re.sub(r"\s+", " ", source), high)
