"""The credit cost table of the seeds, in one place: used both to estimate runs and to charge items.

cluster_keywords 1 per 5 keywords (0.2 per keyword mapped) · generate_ideas 2 per cluster ·
queue_to_writer 0 · generate_content 1 per 500 words (rounded up) · generate_image_prompts 0.5 per
prompt · generate_images 1–4 per image by size and quality · optimize_content 0 (local analysis) ·
publish_to_wordpress 0. A failed item costs nothing.
"""

from __future__ import annotations

import math
from decimal import Decimal

PER_KEYWORD_CLUSTERED = Decimal("0.2")
PER_CLUSTER_IDEAS = Decimal("2")
WORDS_PER_CREDIT = 500
PER_IMAGE_PROMPT = Decimal("0.5")
FREE = Decimal("0")


def content_cost(word_count: int) -> Decimal:
    """1 credit per 500 words, rounded up (a 1,200-word article costs 3)."""
    return Decimal(max(1, math.ceil(word_count / WORDS_PER_CREDIT)))


def image_cost(size: str = "1024x1024", quality: str = "standard") -> Decimal:
    """1 for a standard square up to 1024; 2 for HD or a large (1792) side; 4 for both."""
    width, height = (int(n) for n in size.lower().split("x"))
    large = max(width, height) > 1024
    hd = quality in ("hd", "high")
    return Decimal(4 if large and hd else 2 if large or hd else 1)


def cost_table() -> list[dict[str, str]]:
    """The table as the API shows it."""
    return [
        {"action": "cluster_keywords", "unit": "keyword", "credits": "0.2", "note": "1 per 5 keywords"},
        {"action": "generate_ideas", "unit": "cluster", "credits": "2"},
        {"action": "queue_to_writer", "unit": "idea", "credits": "0"},
        {"action": "generate_content", "unit": "500 words", "credits": "1", "note": "rounded up per article"},
        {"action": "generate_image_prompts", "unit": "prompt", "credits": "0.5"},
        {"action": "generate_images", "unit": "image", "credits": "1-4", "note": "1 standard, 2 HD or 1792 px, 4 both"},
        {"action": "optimize_content", "unit": "content", "credits": "0"},
        {"action": "publish_to_wordpress", "unit": "content", "credits": "0"},
    ]
