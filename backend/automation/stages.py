"""The seven stages of the content pipeline (the design card's table) in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    number: int
    name: str
    action: str
    kind: str  # AI | Local | Manual (the seeds' PipelineStage.type)
    input_type: str  # what is counted as pending
    output_type: str  # what it creates
    processed_key: str  # the seeds' stage_N_result "…_processed" name
    created_key: str  # the seeds' stage_N_result "…_created" name


STAGES: tuple[Stage, ...] = (
    Stage(
        1,
        "Keywords → Clusters",
        "cluster_keywords",
        "AI",
        "keywords",
        "clusters",
        "keywords_processed",
        "clusters_created",
    ),
    Stage(2, "Clusters → Ideas", "generate_ideas", "AI", "clusters", "ideas", "clusters_processed", "ideas_created"),
    Stage(3, "Ideas → Tasks", "queue_to_writer", "Local", "ideas", "tasks", "ideas_processed", "tasks_created"),
    Stage(4, "Tasks → Content", "generate_content", "AI", "tasks", "content", "tasks_processed", "content_created"),
    Stage(
        5,
        "Content → Image Prompts",
        "generate_image_prompts",
        "AI",
        "content",
        "prompts",
        "content_processed",
        "prompts_created",
    ),
    Stage(
        6, "Image Prompts → Images", "generate_images", "AI", "images", "images", "images_processed", "images_generated"
    ),
    Stage(
        7, "Manual Review Gate", "review_gate", "Manual", "content", "content", "content_processed", "ready_for_review"
    ),
)
BY_NUMBER = {s.number: s for s in STAGES}
PRESET_KEY = "seven_stage"
