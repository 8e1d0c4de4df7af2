"""Known, reported server errors: strict xfails, so a fix shows up as a failure asking to drop the mark."""

from __future__ import annotations

import pytest
from django.conf import settings

SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


def bug(reason: str, *, on: str = "any") -> pytest.MarkDecorator:
    """Expected to fail on `on` ("any", "sqlite" or "postgresql") until the bug is fixed."""
    applies = on == "any" or (on == "sqlite") == SQLITE
    return pytest.mark.xfail(applies, reason=f"BUG ({on}): {reason}", strict=True)
