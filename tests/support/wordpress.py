"""A real WordPress for integration tests: `from tests.support.wordpress import wordpress`.

The session-scoped `wordpress` fixture reuses the site named by WORDPRESS_URL,
WORDPRESS_USER and WORDPRESS_APP_PASSWORD when all are set; otherwise it starts one with
scripts/wordpress_server.py (installing Debian packages on first use, so it needs root)
and stops it when the session ends. A site that cannot be started fails the tests; set
ALLOW_SKIP_WORDPRESS=1 to skip them instead when the Debian packages are unavailable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

SERVER_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "wordpress_server.py"
EXIT_PACKAGES_MISSING = 3  # scripts/wordpress_server.py's exit code for that case
START_TIMEOUT = 600  # seconds; the first start may run apt-get


@dataclass(frozen=True)
class WordPressSite:
    url: str
    username: str
    application_password: str
    pretty_permalinks: bool | None = None  # None: unknown (an external site)


def rest_read(site: WordPressSite, route: str, **params: Any) -> Any:
    """Read WordPress directly (authenticated, `context=edit`), independent of the code under test."""
    query = {"rest_route": f"/{route.lstrip('/')}", "context": "edit", **params}
    response = requests.get(f"{site.url}/", params=query, auth=(site.username, site.application_password), timeout=30)
    response.raise_for_status()
    return response.json()


def connect(site: Any, wp: WordPressSite, **overrides: Any) -> Any:
    """Connect one of our sites to `wp`: its active WordPress Integration."""
    from backend.integrations.models import Integration

    fields = {"url": wp.url, "username": wp.username, "application_password": wp.application_password, **overrides}
    return Integration.objects.create(site=site, **fields)


def _site_from_env() -> WordPressSite | None:
    env = [os.environ.get(k) for k in ("WORDPRESS_URL", "WORDPRESS_USER", "WORDPRESS_APP_PASSWORD")]
    if not all(env):
        return None
    url, user, password = (str(v) for v in env)
    return WordPressSite(url.rstrip("/"), user, password)


def _run_server(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(SERVER_SCRIPT), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=START_TIMEOUT, check=False)


def _start(directory: Path) -> WordPressSite:
    started = time.monotonic()
    result = _run_server("start", "--dir", str(directory))
    if result.returncode == EXIT_PACKAGES_MISSING and os.environ.get("ALLOW_SKIP_WORDPRESS") == "1":
        pytest.skip(f"WordPress unavailable (ALLOW_SKIP_WORDPRESS=1): {result.stderr.strip()}")
    if result.returncode != 0:
        pytest.fail(
            f"could not start WordPress with {SERVER_SCRIPT.name} (exit {result.returncode}); "
            f"it needs root and the Debian packages mariadb-server php-cli php-mysql wordpress. "
            f"Set ALLOW_SKIP_WORDPRESS=1 to skip when they cannot be installed.\n{result.stderr}",
            pytrace=False,
        )
    info = json.loads((directory / "wordpress.json").read_text())
    print(f"\nWordPress started at {info['url']} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return WordPressSite(info["url"], info["username"], info["application_password"], info["pretty_permalinks"])


@pytest.fixture(scope="session")
def wordpress() -> Iterator[WordPressSite]:
    """A running WordPress site with an administrator's application password."""
    external = _site_from_env()
    if external is not None:
        yield external
        return
    # Not under pytest's basetemp: a concurrent pytest session prunes old basetemps, which
    # would delete a running site. Short, too: MariaDB's unix socket lives here.
    directory = Path(tempfile.mkdtemp(prefix="igny8-wordpress-"))
    try:
        yield _start(directory)
    finally:
        _run_server("stop", "--dir", str(directory))
        shutil.rmtree(directory, ignore_errors=True)
