"""Browser end-to-end fixtures: the real stack (see stack.py), headless Chromium, console-error checks.

Test modules here mark themselves `pytestmark = pytest.mark.e2e` (deselect with `-m "not e2e"`).
Screenshots go to test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.stack import ARTIFACTS, Stack, running_stack

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = ARTIFACTS / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
DEMO_USER, DEMO_PASSWORD = "demo", "demo-pass-123"


@pytest.fixture(scope="package")
def shared_stack() -> Iterator[Stack]:
    with tempfile.TemporaryDirectory(prefix="igny8-e2e-") as tmp:
        with running_stack(Path(tmp)) as running:
            yield running


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """The stack the module's tests run on: the package's shared one, or one of the module's own.

    A module whose tests spend credits, run the pipeline or fill lists that other modules read back sets
    `OWN_STACK = ("<name>", <redis db>)`: it gets a fresh stack (demo data, web, worker) of its own, its
    logs named <name>-web.log / <name>-worker.log and, with a shared REDIS_URL, that Redis database number.
    """
    own = getattr(request.module, "OWN_STACK", None)
    if own is None:
        yield request.getfixturevalue("shared_stack")
        return
    name, redis_db = own
    with tempfile.TemporaryDirectory(prefix=f"igny8-e2e-{name}-") as tmp:
        with running_stack(Path(tmp), name=name, redis_db=redis_db) as running:
            yield running


class Api:
    """A token-authenticated JSON client for arranging data (`api.post("/content/", {...})`)."""

    def __init__(self, base_url: str, token: str | None = None):
        self.base_url, self.token = base_url, token

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base_url}/api/v1{path}", data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path} answered {exc.code}: {exc.read().decode(errors='replace')}") from exc
        return json.loads(raw) if raw else {}

    def get(self, path: str) -> dict:
        return self.call("GET", path)

    def post(self, path: str, body: dict | None = None) -> dict:
        return self.call("POST", path, body or {})

    def patch(self, path: str, body: dict) -> dict:
        return self.call("PATCH", path, body)


@pytest.fixture(scope="module")
def api(stack: Stack) -> Api:
    """The demo user's API client (token from POST /api/v1/auth/token/)."""
    token = Api(stack.base_url).post("/auth/token/", {"username": DEMO_USER, "password": DEMO_PASSWORD})["token"]
    return Api(stack.base_url, token)


@pytest.fixture(scope="module")
def demo_site(api: Api) -> dict:
    sites = api.get("/auth/me/")["sites"]
    return next(site for site in sites if site["domain"] == "demo.example.com")


def wait_for_run(api: Api, run_id: str, statuses: set[str], timeout: float = 30) -> dict:
    """Poll the run until its status is one of `statuses`; answer it."""
    deadline = time.monotonic() + timeout
    while True:
        run = api.get(f"/automation/executions/{run_id}/")
        if run["status"] in statuses:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} is {run['status']}, not {statuses} after {timeout}s")
        time.sleep(0.2)


def content_in_review(api: Api, site_id: int, title: str) -> dict:
    """Create a content item and move it draft → review, as the pipeline's review gate would."""
    item = api.post("/content/", {"site": site_id, "title": title, "html_content": f"<p>{title} body text.</p>"})
    return api.patch(f"/content/{item['id']}/", {"status": "review"})


@pytest.fixture(scope="module")
def browser(stack: Stack):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class ConsoleLog:
    """Errors the page wrote to the console or threw; a test that expects one takes it with expect()."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        """Collect the page's console errors and uncaught exceptions."""

        def on_console(msg) -> None:
            if msg.type == "error":
                self.errors.append(f"console: {msg.text} @ {msg.location}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def expect(self, fragment: str) -> None:
        matching = [e for e in self.errors if fragment in e]
        assert matching, f"expected a console error containing {fragment!r}; got {self.errors}"
        self.errors = [e for e in self.errors if fragment not in e]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


def _open_page(browser, stack: Stack, console: ConsoleLog, viewport: dict, color_scheme: str = "light"):
    context = browser.new_context(base_url=stack.base_url, viewport=viewport, color_scheme=color_scheme)
    context.set_default_timeout(10_000)
    page = context.new_page()
    console.watch(page)
    return context, page


@pytest.fixture
def page(browser, stack: Stack, console: ConsoleLog):
    """A desktop-sized page (light colour scheme); the test fails on any unexpected console error."""
    context, page = _open_page(browser, stack, console, DESKTOP)
    yield page
    context.close()
    assert console.errors == [], "browser console errors:\n" + "\n".join(console.errors)


@pytest.fixture
def phone_page(browser, stack: Stack, console: ConsoleLog):
    context, page = _open_page(browser, stack, console, PHONE)
    yield page
    context.close()
    assert console.errors == [], "browser console errors:\n" + "\n".join(console.errors)


def screenshot(page, name: str) -> Path:
    """A full-page screenshot from the top (the sticky header would otherwise land mid-page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


# Elements whose right edge passes the viewport (the page would scroll sideways), outside `ignore`: selectors
# of containers that scroll on their own (the status tabs, the sidebar on a phone, a code editor).
_OVERFLOW = """(ignore) => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .filter((el) => !el.closest(ignore))
  .slice(0, 5)
  .map((el) => `${el.tagName.toLowerCase()}.${el.className} right=${Math.round(el.getBoundingClientRect().right)}`)"""


def overflowing(page, ignore: str = ".tabs, .sidenav ul") -> list[str]:
    """The first elements wider than the screen (empty when the page fits)."""
    return page.evaluate(_OVERFLOW, ignore)


def no_overflow(page, ignore: str = ".tabs, .sidenav ul") -> None:
    assert overflowing(page, ignore) == [], f"elements wider than the screen: {overflowing(page, ignore)}"


def sign_in(page, next_path: str = "/") -> None:
    """Log in through the form as the demo user and wait for the app shell."""
    page.goto(next_path)
    page.get_by_label("Username").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").wait_for()
