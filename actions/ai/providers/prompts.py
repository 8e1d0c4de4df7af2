"""Prompt templates (overridable per account) and the JSON Schemas of each function's structured output."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from string import Template
from typing import Any

from actions.ai.providers.base import (
    ArticleIn,
    ClusterIn,
    ContentBrief,
    KeywordIn,
    html_text,
    illustratable_headings,
    truncate_words,
)

SYSTEM_PROMPT = (
    "You are IGNY8, an SEO content strategist and writer. Answer only with JSON that matches the "
    "requested schema. Write in clear, natural English for human readers."
)

DEFAULT_PROMPTS: dict[str, str] = {
    "cluster_keywords": (
        "Group these search keywords into topic clusters by meaning and search intent.\n"
        "Sector: $sector\n"
        "Existing clusters (reuse the exact name when a keyword fits one): $existing_clusters\n\n"
        "Keywords, one per line as [id=N] text (volume, difficulty, intent):\n$keywords\n\n"
        "Every keyword id must appear in exactly one cluster. Give each new cluster a short title-case "
        "name of 2-4 words and a one-sentence description."
    ),
    "generate_ideas": (
        'Propose exactly $count distinct content ideas for the topic cluster "$cluster_name".\n'
        "Cluster description: $cluster_description\n"
        "Cluster keywords: $keywords\n\n"
        "Vary the content type (post, guide, listicle, comparison, how_to) across ideas. For each idea "
        "give a title, a one-paragraph intro, 4-7 H2 section headings and 1-3 target keywords taken "
        "from the cluster keywords."
    ),
    "generate_content": (
        'Write a $content_type titled "$title" with a $structure structure, about $target_word_count '
        "words long.\n"
        "Outline:\n$outline\n\n"
        "Keywords to use naturally: $keywords\n\n"
        "Return the body as HTML using <p>, <h2>, <h3>, <ul>/<ol> and <li> only (no <h1>, no "
        "<html>/<body>). Open with an intro paragraph, follow the outline's H2 sections, and end with "
        "<h2>Frequently Asked Questions</h2> holding 3-5 questions as <h3> each followed by a <p> answer. "
        "Also give an excerpt, a meta title of at most 60 characters, a meta description of 120-160 "
        "characters, the primary keyword, 3-6 tags and 1-2 categories."
    ),
    "generate_image_prompts": (
        'Write image generation prompts for the article "$title".\n'
        "Its H2 sections:\n$headings\n\n"
        "Article excerpt: $excerpt\n\n"
        "Return exactly one featured prompt (kind featured, position 0) based on the title, then "
        "exactly $in_article_count in-article prompts (kind in_article, positions 1..$in_article_count), "
        "each illustrating one H2 section in order. Describe a photographic or illustrated scene in one "
        "or two sentences; never ask for text, letters or logos in the image."
    ),
    "generate_image": "$prompt",
}

PROMPT_VARIABLES: dict[str, frozenset[str]] = {
    "cluster_keywords": frozenset({"keywords", "existing_clusters", "sector", "keyword_count"}),
    "generate_ideas": frozenset({"cluster_name", "cluster_description", "keywords", "count"}),
    "generate_content": frozenset({"title", "outline", "keywords", "target_word_count", "content_type", "structure"}),
    "generate_image_prompts": frozenset({"title", "headings", "excerpt", "in_article_count"}),
    "generate_image": frozenset({"prompt", "size", "quality"}),
}


class PromptTemplateError(ValueError):
    """A prompt template (usually an account override) cannot be rendered."""


def _check_template(function: str, text: str) -> Template:
    template = Template(text)
    if not template.is_valid():
        raise PromptTemplateError(
            f"prompt template for {function!r} has an invalid '$' placeholder; write $$ for a literal dollar sign"
        )
    unknown = sorted(set(template.get_identifiers()) - PROMPT_VARIABLES[function])
    if unknown:
        allowed = ", ".join(f"${name}" for name in sorted(PROMPT_VARIABLES[function]))
        used = ", ".join(f"${name}" for name in unknown)
        raise PromptTemplateError(
            f"prompt template for {function!r} uses unknown placeholder(s) {used}; allowed: {allowed}"
        )
    return template


def validate_prompt_overrides(overrides: Mapping[str, str]) -> None:
    """Raise PromptTemplateError when an override names an unknown function or placeholder."""
    for function, text in overrides.items():
        if function not in DEFAULT_PROMPTS:
            raise PromptTemplateError(
                f"no prompt named {function!r}; overridable prompts: {', '.join(sorted(DEFAULT_PROMPTS))}"
            )
        _check_template(function, text)


def render_prompt(function: str, variables: Mapping[str, object], overrides: Mapping[str, str] | None = None) -> str:
    """Render the account's override for `function` if it has a non-blank one, else the built-in default."""
    if function not in DEFAULT_PROMPTS:
        raise PromptTemplateError(f"no prompt named {function!r}")
    override = (overrides or {}).get(function)
    text = override if override and override.strip() else DEFAULT_PROMPTS[function]
    template = _check_template(function, text)
    try:
        return template.substitute({name: str(value) for name, value in variables.items()})
    except KeyError as exc:
        raise PromptTemplateError(
            f"prompt for {function!r} needs ${exc.args[0]}, which the caller did not pass"
        ) from exc


def cluster_variables(
    keywords: Sequence[KeywordIn], existing_clusters: Sequence[str], sector: str | None
) -> dict[str, object]:
    """Variables of the cluster_keywords prompt."""
    lines = [
        f"[id={k.id}] {k.text} (volume {k.volume}, difficulty {k.difficulty}, intent {k.intent})" for k in keywords
    ]
    return {
        "keywords": "\n".join(lines),
        "existing_clusters": ", ".join(existing_clusters) or "none",
        "sector": sector or "any",
        "keyword_count": len(keywords),
    }


def ideas_variables(cluster: ClusterIn, count: int) -> dict[str, object]:
    """Variables of the generate_ideas prompt."""
    return {
        "cluster_name": cluster.name,
        "cluster_description": cluster.description or "(none)",
        "keywords": ", ".join(cluster.keywords),
        "count": count,
    }


def content_variables(brief: ContentBrief) -> dict[str, object]:
    """Variables of the generate_content prompt."""
    return {
        "title": brief.title,
        "outline": brief.description or "(no outline: choose sensible H2 sections)",
        "keywords": ", ".join(brief.keywords),
        "target_word_count": brief.target_word_count,
        "content_type": brief.content_type,
        "structure": brief.structure,
    }


def image_prompt_variables(article: ArticleIn, in_article_count: int) -> dict[str, object]:
    """Variables of the generate_image_prompts prompt (FAQ and closing headings left out)."""
    return {
        "title": article.title,
        "headings": "\n".join(f"- {h}" for h in illustratable_headings(article.html)) or "(none)",
        "excerpt": truncate_words(html_text(article.html), 600),
        "in_article_count": in_article_count,
    }


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """Build a strict-mode object schema: every property required, nothing else allowed."""
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


_STRING: dict[str, Any] = {"type": "string"}
_STRINGS: dict[str, Any] = {"type": "array", "items": _STRING}

CONTENT_TYPES = ("post", "guide", "listicle", "comparison", "how_to")
CONTENT_STRUCTURES = ("article", "guide", "listicle", "comparison", "how_to", "review")

# Only keywords that OpenAI strict structured outputs accept (no maxLength, no minItems).
SCHEMAS: dict[str, dict[str, Any]] = {
    "cluster_keywords": _object(
        {
            "clusters": {
                "type": "array",
                "items": _object(
                    {
                        "name": _STRING,
                        "description": _STRING,
                        "keyword_ids": {"type": "array", "items": {"type": "integer"}},
                    }
                ),
            }
        }
    ),
    "generate_ideas": _object(
        {
            "ideas": {
                "type": "array",
                "items": _object(
                    {
                        "title": _STRING,
                        "intro": _STRING,
                        "sections": _STRINGS,
                        "content_type": {"type": "string", "enum": list(CONTENT_TYPES)},
                        "content_structure": {"type": "string", "enum": list(CONTENT_STRUCTURES)},
                        "target_keywords": _STRINGS,
                    }
                ),
            }
        }
    ),
    "generate_content": _object(
        {
            "title": _STRING,
            "html": _STRING,
            "excerpt": _STRING,
            "meta_title": _STRING,
            "meta_description": _STRING,
            "primary_keyword": _STRING,
            "tags": _STRINGS,
            "categories": _STRINGS,
        }
    ),
    "generate_image_prompts": _object(
        {
            "prompts": {
                "type": "array",
                "items": _object(
                    {
                        "kind": {"type": "string", "enum": ["featured", "in_article"]},
                        "position": {"type": "integer"},
                        "prompt": _STRING,
                    }
                ),
            }
        }
    ),
}
