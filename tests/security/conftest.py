"""Fast password hashing: these tests create the three personas hundreds of times."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(items):
    """Mark the generated per-operation Schemathesis tests listed in their module's KNOWN_SERVER_ERRORS."""
    for item in items:
        known = getattr(getattr(item, "module", None), "KNOWN_SERVER_ERRORS", {})
        operation = item.name.partition("[")[2].removesuffix("]")
        if operation in known:
            item.add_marker(known[operation])
