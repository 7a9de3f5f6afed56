"""Helpers for the browser tests: where the tools are, signing a browser in, codes, axe, screenshots.

Nothing here imports Playwright at module level, so a machine without it can still
collect tests/e2e and skip it with a clear reason.
"""

from __future__ import annotations

import fcntl
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import User
from tests.conftest import sign_in as sign_in_client

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"390x844": MOBILE, "1280x800": DESKTOP}

# The WCAG 2.0, 2.1 and 2.2 A/AA rules; best-practice rules are not asked for.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def missing_tools() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python playwright package is not installed (make install-dev)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: install Debian's chromium package"
    if not AXE_JS.exists():
        return f"{AXE_JS.relative_to(ROOT)} is missing: run `npm ci` (make e2e-deps)"
    return None


def sign_in(context: BrowserContext, base_url: str, user: User, *, second_factor: bool = False) -> None:
    """Sign `user` in without the login form: a Django test client's session cookie, handed to the browser.

    With `second_factor` the session also counts as having passed the authenticator-app step
    (as tests.conftest.sign_in does), which staff need before any staff page.
    """
    client = sign_in_client(Client(), user, second_factor=second_factor)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base_url}])


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows right now for `device`, zero-padded."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def code_for_secret(secret: str) -> str:
    """The current 6-digit code for a base32 key as the setup page shows it ("ABCD EFGH ...")."""
    from base64 import b32decode

    key = re.sub(r"\s+", "", secret).upper()
    key += "=" * (-len(key) % 8)
    return f"{totp(b32decode(key), 30, 0, 6, 0):06d}"


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot under test-artifacts/e2e/ (git-ignored) for a human to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_AXE_RUN = """options => axe.run(document, options).then(results => results.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
})))"""


# What axe does not check, in the shape of its violations. axe passes an aria-describedby when any
# one of its ids exists (and only asks for review when none does), so a field pointing at an error
# that is not there goes unheard; and nothing in axe asks where focus is after a refused form.
_PORTAL_CHECKS = """() => {
    const found = [];
    const where = element => [element.id ? `#${CSS.escape(element.id)}` : element.tagName.toLowerCase()];
    const add = (id, help, nodes) => nodes.length && found.push({id, impact: "serious", help, helpUrl: "", nodes});
    const missing = [];
    for (const attr of ["aria-describedby", "aria-labelledby"]) {
        for (const element of document.querySelectorAll(`[${attr}]`)) {
            for (const ref of element.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
                if (!document.getElementById(ref)) {
                    const summary = `${attr}: no element has id="${ref}"`;
                    missing.push({target: where(element), html: element.outerHTML, summary});
                }
            }
        }
    }
    add("portal-idref-missing", "aria-describedby and aria-labelledby must name elements on the page", missing);

    const summaries = [...document.querySelectorAll(".error-summary")];
    const links = [];
    for (const link of document.querySelectorAll(".error-summary a[href^='#']")) {
        const ref = decodeURIComponent(link.hash.slice(1));
        if (!ref || !document.getElementById(ref)) {
            links.push({target: where(link), html: link.outerHTML, summary: `no element has id="${ref}"`});
        }
    }
    add("portal-error-summary-link", "Each error summary link must lead to its field", links);

    const invalid = [...document.querySelectorAll("[aria-invalid='true'], .field--error")];
    if (invalid.length && !summaries.length) {
        add("portal-error-summary-missing", "A refused form starts with an error summary", invalid.map(element => (
            {target: where(element), html: element.outerHTML, summary: "an error is shown but no .error-summary"}
        )));
    }
    if (summaries.length) {
        const active = document.activeElement;
        if (!summaries.some(summary => summary === active || summary.contains(active))) {
            add("portal-error-summary-focus", "After a refused form, focus starts on the error summary", [{
                target: active ? where(active) : ["(none)"],
                html: active ? active.outerHTML.slice(0, 200) : "",
                summary: "focus is here, not on the error summary",
            }]);
        }
    }
    return found;
}"""


# Every page title this test session has seen: title -> {the page it names: a URL it was seen at}.
# A page is its URL pattern's name; each browser test adds to this, so a title that two different
# pages share is reported by whichever of them is checked second, in whatever order tests run.
TITLES: dict[str, dict[str, str]] = {}
# Under pytest-xdist the session's browser tests are spread over processes: then they keep TITLES in
# this file, one for the whole run (tests/e2e/conftest.py names it), so a title one worker saw is
# still reported when another worker's page has it too.
TITLES_FILE: Path | None = None


@contextmanager
def seen_titles() -> Iterator[dict[str, dict[str, str]]]:
    """TITLES to read and add to: this process' own, or the run's file, locked while in use."""
    if TITLES_FILE is None:
        yield TITLES
        return
    with TITLES_FILE.open("a+", encoding="utf-8") as stream:
        fcntl.flock(stream, fcntl.LOCK_EX)  # released when the file closes
        stream.seek(0)
        text = stream.read()
        titles: dict[str, dict[str, str]] = json.loads(text) if text else {}
        yield titles
        stream.seek(0)
        stream.truncate()
        json.dump(titles, stream)


# URL names whose answer is another page shown again (a refused form, posted to its own URL).
SAME_PAGE = {
    "appointments_hold_time": "appointments_visit_type",
    "appointments_request": "appointments_visit_type",
    "appointments_waitlist_join": "appointments_visit_type",
    "staff_care_task_done": "staff_care_tasks",
}

SITE_NAME = "Patient Portal"


def page_key(url: str) -> str:
    """Which page a URL shows: its URL pattern's (namespaced) name, else its route, else its path."""
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return path
    key = match.view_name or match.route
    return SAME_PAGE.get(key, key)


def title_violations(page: Page) -> list[dict[str, Any]]:
    """The page's <title> says which page this is (more than the site's name), and no other page
    seen in this session has the same one. Violations in axe's shape."""
    title, key = page.title().strip(), page_key(page.url)
    with seen_titles() as titles:
        seen = titles.setdefault(title, {})
        seen.setdefault(key, page.url)
        problems = [f"also the title of {url}" for other, url in sorted(seen.items()) if other != key]
    if not title.removesuffix(SITE_NAME).strip(" -–·|"):
        problems.insert(0, "only the site's name")
    if not problems:
        return []
    nodes = [{"target": ["title"], "html": f"<title>{title}</title>", "summary": problem} for problem in problems]
    help_text = "Each page has its own title"
    return [{"id": "portal-page-title", "impact": "serious", "help": help_text, "helpUrl": "", "nodes": nodes}]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now (WCAG 2.x A and AA rules only), then the portal's own
    checks axe does not make: every aria-describedby/aria-labelledby id names an element; an
    error shown means an error summary whose links lead to their fields, holding focus; the page's
    title is its own (see TITLES)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the test driver, not added as an inline <script> the page's CSP would refuse.
        page.evaluate(AXE_JS.read_text())
    violations: list[dict[str, Any]] = page.evaluate(_AXE_RUN, {"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return violations + page.evaluate(_PORTAL_CHECKS) + title_violations(page)


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One readable block per violation: rule id, impact, what to do, and where (CSS selectors)."""
    lines = [f"{len(violations)} accessibility violation(s):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}  <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " >> ".join(" ".join(part) if isinstance(part, list) else part for part in node["target"])
            lines.append(f"    at {target}")
            lines.append(f"       {node['html'][:200]}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"       {summary_line}")
    return "\n".join(lines)
