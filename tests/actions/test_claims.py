"""Item claims in Redis: one owner per execution attempt; a replacing execution takes over a lost one's."""

from __future__ import annotations

import pytest

from actions import claims


@pytest.fixture
def kind(db):
    from backend.core.redis import get_redis

    get_redis().delete(*[f"igny8:claim:test:{i}" for i in range(1, 6)])
    return "test"


def test_it_gives_each_item_to_one_execution_at_a_time(kind):
    assert claims.claim(kind, [1, 2, 3], owner="run:0:a") == [1, 2, 3]
    assert claims.claim(kind, [2, 3, 4], owner="run:0:b") == [4]  # a second attempt never shares items
    assert claims.claim(kind, [1, 2], owner="run:0:a") == [1, 2]  # ours stay ours


def test_it_lets_the_replacing_execution_take_over_the_lost_ones_claims(kind):
    claims.claim(kind, [1, 2], owner="run:0:lost")
    claims.claim(kind, [3], owner="run:1:alive")
    taken = claims.claim(kind, [1, 2, 3], owner="run:0:new", previous_owner="run:0:lost")
    assert taken == [1, 2]  # not another step's claim
    assert claims.claim(kind, [1], owner="run:0:lost") == []  # the lost execution no longer holds it


def test_it_releases_only_its_own_claims(kind):
    claims.claim(kind, [1], owner="a")
    claims.release(kind, [1], owner="b")
    assert claims.claim(kind, [1], owner="b") == []
    claims.release(kind, [1], owner="a")
    assert claims.claim(kind, [1], owner="b") == [1]
