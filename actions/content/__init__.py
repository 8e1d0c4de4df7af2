"""The content actions (the seven-stage pipeline's work). Each module registers one action."""

from actions.content import (  # noqa: F401
    cluster_keywords,
    generate_content,
    generate_ideas,
    generate_image_prompts,
    generate_images,
    optimize_content,
    queue_to_writer,
    review_gate,
)
