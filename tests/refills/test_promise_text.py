"""The promise on a refill request reads as a sentence: no space before its full stop (issue 13's
review saw "...3:00 p.m. CST ." once the page's text was extracted)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import timezone


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def test_the_promise_ends_with_its_full_stop_right_after_the_time() -> None:
    due = datetime(2026, 12, 9, 21, 0, tzinfo=UTC)  # 3:00 p.m. CST
    owner = SimpleNamespace(signature="Ana Lopez, RN", get_role_display="Nurse")
    thread = SimpleNamespace(
        owner=owner,
        organization=SimpleNamespace(name="Main Clinic"),
        pool=SimpleNamespace(name="Refills"),
        first_response_due_at=due,
    )
    with timezone.override("America/Chicago"):
        named = _text(render_to_string("messaging/patient/_who_answers.html", {"thread": thread, "late": False}))
        thread.owner = None
        team = _text(render_to_string("messaging/patient/_who_answers.html", {"thread": thread, "late": False}))

    assert named.endswith("3:00 p.m. CST.")
    assert team.endswith("3:00 p.m. CST.")
    assert " ." not in named + team
