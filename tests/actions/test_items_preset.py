"""The seven-stage preset (no `items`: each stage drains its queue as before) lists what each stage made as
`output.ids`, which a rule's later steps can take."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from backend.automation.services import config_update
from backend.planner.models import Cluster, ContentIdea, Keyword
from backend.writer.models import Content, Image, Task
from rules.models import AutomationRun


@pytest.fixture(autouse=True)
def fast_pipeline(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AI_PROVIDER = "local"
    config_update(site=alice.site, within_stage_delay=0, between_stage_delay=0)


def ids(model) -> list[int]:
    return sorted(model.objects.values_list("pk", flat=True))


def test_every_stage_lists_what_it_made(alice, api, eager):
    rows = json.loads((settings.BASE_DIR / "fixtures" / "demo_keywords.json").read_text())["keywords"][:8]
    for row in rows:
        Keyword.objects.create(site=alice.site, text=row["text"], volume=row["volume"])
    started = api.post(f"/api/v1/automation/run_now/?site_id={alice.site.pk}")
    run = AutomationRun.objects.get(run_id=started.json()["run_id"])
    assert run.status == "completed", run.error_message
    assert set(Content.objects.values_list("status", flat=True)) == {"review"}  # as before: all the way to review
    made = {step.action_type: sorted(step.result["output"]["ids"]) for step in run.steps.all()}
    assert made == {
        "cluster_keywords": ids(Cluster),
        "generate_ideas": ids(ContentIdea),
        "queue_to_writer": ids(Task),
        "generate_content": ids(Content),
        "generate_image_prompts": ids(Image),
        "generate_images": ids(Image),
        "review_gate": ids(Content),
    }
