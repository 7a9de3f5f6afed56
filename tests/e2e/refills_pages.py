"""What the refills browser tests do on every page: check it fits the screen, keep a screenshot,
and collect axe's findings; and follow a link or button to the next page."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.browser import axe_violations, describe_violations, screenshot


def check(page: Page, name: str, problems: list[str]) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}: wider than the screen ({width}px)"  # type: ignore[index]
    screenshot(page, f"refills-{name}")
    violations = axe_violations(page)
    if violations:
        problems.append(f"{name} ({page.url}):\n{describe_violations(violations)}")


def go(page: Page, target: object) -> None:
    with page.expect_navigation():
        target.click()  # type: ignore[attr-defined]
