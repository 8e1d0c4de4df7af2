from __future__ import annotations

import json

import pytest
from django.conf import settings

from backend.planner.models import Keyword


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AI_PROVIDER = "local"


@pytest.fixture
def demo_keywords(alice):
    """The demo fixture's keywords (6 topics) on Alice's site."""
    rows = json.loads((settings.BASE_DIR / "fixtures" / "demo_keywords.json").read_text())["keywords"]
    return [
        Keyword.objects.create(
            site=alice.site, text=r["text"], volume=r["volume"], difficulty=r["difficulty"], intent=r["intent"]
        )
        for r in rows
    ]


@pytest.fixture
def execute(api, alice):
    """Create a manual rule with one action on Alice's site and run it through the API; return the run detail."""

    def run(action_type: str, params: dict | None = None) -> dict:
        rule = api.post(
            "/api/v1/automation/rules/",
            {
                "name": action_type,
                "site": alice.site.pk,
                "trigger": {"type": "manual"},
                "actions": [{"type": action_type, "params": params or {}}],
            },
            format="json",
        ).json()
        started = api.post(f"/api/v1/automation/rules/{rule['id']}/execute/", {}, format="json")
        assert started.status_code == 202, started.json()
        return api.get(f"/api/v1/automation/executions/{started.json()['run_id']}/").json()

    return run
