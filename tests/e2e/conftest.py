"""Fixtures for the browser tests: one Chromium shared by the session's browser tests, a fresh context per test.

The pages are served by pytest-django's `live_server`: a thread of this same process,
so `settings` changes and `django.core.mail.outbox` are shared with it. Because
django.contrib.staticfiles is installed, it serves /static/ from the app and
STATICFILES_DIRS folders itself, with DEBUG off and nothing collected.

Being a thread of this process, the live server also runs on the suite's pinned clock
(tests/clock.py: time-machine patches the process, threads included). Chromium keeps its own
clock, which may disagree by years: the portal's JavaScript uses Date.now() only to measure
durations, and Django's cookies expire by Max-Age, so nothing depends on the two agreeing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import browser
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, MOBILE, missing_tools, screenshot

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
HERE = Path(__file__).resolve().parent


class Chromium:
    """Debian's Chromium driven by Playwright's sync API: started on first use, then shared.

    Playwright's sync API runs an asyncio event loop in this (the main) thread, in a greenlet,
    from start() to stop(). While that loop exists, Django sees "a running event loop" and
    refuses every ORM call made in this thread (test bodies and fixtures creating users,
    tests reading the database) with SynchronousOnlyOperation. Nothing actually runs
    concurrently: the loop only turns while a Playwright call blocks this thread, and the live
    server answers from its own thread with its own database connection. So
    DJANGO_ALLOW_ASYNC_UNSAFE is set exactly while the browser is up, and the browser is
    stopped as soon as the run moves on to a test outside tests/e2e (see
    pytest_runtest_teardown below): other tests never see the variable, nor the loop (a
    subprocess such as `manage.py check --deploy` would inherit the variable and fail).
    """

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None
        self._previous: str | None = None

    def get(self) -> Any:
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._previous = os.environ.get(ASYNC_UNSAFE)
            os.environ[ASYNC_UNSAFE] = "true"
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        return self._browser

    def stop(self) -> None:
        if self._playwright is None:
            return
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._playwright.stop()
            self._playwright = self._browser = None
            if self._previous is None:
                os.environ.pop(ASYNC_UNSAFE, None)
            else:
                os.environ[ASYNC_UNSAFE] = self._previous


_CHROMIUM = Chromium()

CSP_VIOLATION = "CSP violation:"
_REPORT_CSP_VIOLATIONS = f"""document.addEventListener("securitypolicyviolation", function (event) {{
    console.error("{CSP_VIOLATION} " + event.effectiveDirective + " blocked " + (event.blockedURI || "inline")
        + " at " + event.sourceFile + ":" + event.lineNumber);
}});"""


def _csp_refusal(page: Any, message: Any, problems: list[str]) -> None:
    """Record a Content-Security-Policy refusal ("Refused to ...", or our listener's report) as a problem."""
    text = message.text
    if text.startswith("Refused to") or text.startswith(CSP_VIOLATION) or "Content Security Policy" in text:
        problems.append(f"Content-Security-Policy on {page.url}: {text}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the test, so a fixture can screenshot the pages of a failed test."""
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After the last of a run of browser tests, stop the browser (it starts again if more come later)."""
    try:
        return (yield)
    finally:
        if nextitem is None or not Path(nextitem.path).resolve().is_relative_to(HERE):
            _CHROMIUM.stop()


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """The one browser of the session (skips every browser test when the tools are missing).

    Under pytest-xdist each worker has its own browser (and live server, on a port of its own); the
    page titles seen (browser.TITLES) go to one file for the run, in the folder that holds every
    worker's temporary folder.
    """
    reason = missing_tools()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        browser.TITLES_FILE = tmp_path_factory.getbasetemp().parent / "e2e-page-titles.json"
    yield _CHROMIUM
    _CHROMIUM.stop()


@pytest.fixture
def new_context(
    chromium: Chromium, live_server: Any, transactional_db: None, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """Make a fresh browser context (its own cookies: one person) at a viewport; all are closed after the test.

    It asks for the database first so that its pages close before the database is emptied: a page
    still polling (the inbox's refresh, e-visit heartbeats) made the emptying deadlock under load.

    Every page opened in them is watched: a JavaScript error, a stylesheet or script under
    /static/ that fails to load, or anything the Content-Security-Policy refused, fails the test.
    When the test fails, each open page is screenshotted to
    test-artifacts/e2e/FAILED-<test>-<context number>-<width>.png.
    """
    contexts: list[Any] = []
    problems: list[str] = []

    def watch(page: Any) -> None:
        page.on("pageerror", lambda error: problems.append(f"JavaScript error on {page.url}: {error}"))
        page.on("console", lambda message: _csp_refusal(page, message, problems))
        page.on(
            "response",
            lambda response: (
                problems.append(f"{response.status} for {response.url}")
                if "/static/" in response.url and response.status >= 400
                else None
            ),
        )
        page.on(
            "requestfailed",
            lambda req: problems.append(f"{req.url} failed: {req.failure}") if "/static/" in req.url else None,
        )

    def make(viewport: dict[str, int] = MOBILE, locale: str = "en-US") -> Any:
        context = chromium.get().new_context(viewport=viewport, locale=locale, base_url=live_server.url)
        context.set_default_timeout(10_000)
        # The browser logs most refusals itself; the event also catches those it only reports.
        context.add_init_script(script=_REPORT_CSP_VIOLATIONS)
        context.on("page", watch)
        contexts.append(context)
        return context

    yield make

    report = getattr(request.node, "e2e_report_call", None)
    for number, context in enumerate(contexts):
        if report is not None and report.failed:
            for page in context.pages:
                # A screenshot must never hide the real failure.
                with contextlib.suppress(Exception):
                    screenshot(page, f"FAILED-{request.node.name}-{number}")
        context.close()
    if problems:
        pytest.fail("The browser reported problems:\n" + "\n".join(problems))
