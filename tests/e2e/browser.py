"""Helpers for the browser tests: where the tools are, signing a browser in, codes, axe, screenshots.

Nothing here imports Playwright at module level, so a machine without it can still
collect tests/e2e and skip it with a clear reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.test import Client
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


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now, WCAG 2.x A and AA rules only."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the test driver, not added as an inline <script> the page's CSP would refuse.
        page.evaluate(AXE_JS.read_text())
    return page.evaluate(_AXE_RUN, {"runOnly": {"type": "tag", "values": AXE_TAGS}})


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
