"""The Content-Security-Policy in a real browser: the Django admin works under it with no allowance of
its own, and the harness itself catches a refusal (every browser test fails on one: see conftest)."""

from __future__ import annotations

import pytest

from tests.e2e.browser import DESKTOP, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import expect

from portal.factories import UserFactory
from tests.e2e.browser import sign_in
from tests.e2e.conftest import _REPORT_CSP_VIOLATIONS, CSP_VIOLATION, _csp_refusal

pytestmark = pytest.mark.e2e


def test_the_admin_runs_under_the_policy(new_context, live_server) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    context = new_context(DESKTOP)
    sign_in(context, live_server.url, admin, second_factor=True)
    page = context.new_page()

    for path in ("/admin/", "/admin/portal/user/", "/admin/messaging/businesscalendar/add/"):
        response = page.goto(path)
        assert response is not None and response.status == 200 and page.url.endswith(path), path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    # The admin's own scripts ran: the holidays inline offers "Add another" and date shortcuts.
    page.get_by_role("button", name="Add another Holiday").click()
    expect(page.get_by_role("link", name="Today").first).to_be_visible()


def test_the_harness_reports_a_refused_inline_script(chromium, live_server) -> None:
    """What an injected script would do is refused, and the listener every browser test uses reports it."""
    context = chromium.get().new_context(base_url=live_server.url)
    context.add_init_script(script=_REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: _csp_refusal(page, message, problems))
    try:
        page.goto("/accounts/login/")
        with page.expect_console_message(lambda message: message.text.startswith(CSP_VIOLATION)):
            page.evaluate("""() => {
                const script = document.createElement("script");
                script.textContent = "document.title = 'injected'";
                document.body.append(script);
            }""")
        expect(page).not_to_have_title("injected")
    finally:
        context.close()

    assert problems and all("Content-Security-Policy on" in problem for problem in problems)
