from __future__ import annotations

import pytest

from rules.core.causation import Causation, check_loop
from rules.core.modes import decide_mode


@pytest.mark.parametrize(
    "mode,running,queued,expected",
    [
        ("single", [], 0, "start"),
        ("single", ["r1"], 0, "drop"),
        ("queued", [], 0, "start"),
        ("queued", ["r1"], 0, "queue"),
        ("queued", [], 1, "queue"),
        ("queued", ["r1"], 1, "drop"),  # max_runs bounds running + queued: the queue is full
        ("queued", [], 2, "drop"),
        ("parallel", ["r1"], 0, "start"),
        ("parallel", ["r1", "r2"], 0, "drop"),
        ("restart", [], 0, "start"),
        ("restart", ["r1"], 0, "restart"),
    ],
)
def test_it_decides_by_mode(mode, running, queued, expected):
    decision = decide_mode(mode, max_runs=2, running=running, queued=queued)
    assert decision.action == expected
    if expected == "restart":
        assert decision.cancel_run_ids == ("r1",)
    if expected == "drop":
        assert decision.reason.startswith("queue full" if mode == "queued" else f"mode {mode}")


def test_it_rejects_an_unknown_mode():
    with pytest.raises(ValueError):
        decide_mode("sometimes", max_runs=1, running=[], queued=0)


def test_it_blocks_a_rule_re_triggering_itself():
    causation = Causation(root_event="keyword.created").child(rule_id=7, run_id="run_a")
    check = check_loop(causation, rule_id=7, allow_self_trigger=False, max_depth=5)
    assert check.blocked and "rule 7 would re-trigger itself" in check.reason


def test_it_lets_a_rule_opt_in_to_self_triggering_until_the_depth_limit():
    causation = Causation(root_event="x")
    for depth in range(6):  # runs at depth 0 (the root) … 5 are allowed
        assert not check_loop(causation, rule_id=7, allow_self_trigger=True, max_depth=5).blocked, depth
        causation = causation.child(rule_id=7, run_id=f"run_{depth}")
    check = check_loop(causation, rule_id=7, allow_self_trigger=True, max_depth=5)
    assert check.blocked and "depth 6 exceeds the limit of 5" in check.reason


def test_it_round_trips_causation_through_json():
    causation = Causation(root_event="keyword.created", event="keyword.created").child(rule_id=3, run_id="run_1")
    assert Causation.from_dict(causation.to_dict()) == causation
