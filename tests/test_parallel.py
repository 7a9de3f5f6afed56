"""What lets the suite run in pytest-xdist workers: each its own Redis database, page titles compared across them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import browser
from tests.settings import worker_redis_url


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/15", 0, "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379/15", 1, "redis://127.0.0.1:6379/14"),
        ("redis://127.0.0.1:6379/0", 1, "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379", 2, "redis://127.0.0.1:6379/14"),
        (
            "redis://:secret@redis.internal:6380/8?socket_timeout=5",
            3,
            "redis://:secret@redis.internal:6380/5?socket_timeout=5",
        ),
        ("unix:///var/run/redis.sock?db=4", 1, "unix:///var/run/redis.sock?db=3"),
        ("unix:///var/run/redis.sock", 1, "unix:///var/run/redis.sock?db=15"),
    ],
)
def test_each_worker_has_its_own_redis_database(url: str, worker: int, expected: str) -> None:
    assert worker_redis_url(url, worker) == expected


def test_workers_see_the_page_titles_the_others_saw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "TITLES", {})
    monkeypatch.setattr(browser, "TITLES_FILE", tmp_path / "titles.json")

    with browser.seen_titles() as titles:  # one worker
        titles.setdefault("Sign in - Patient Portal", {})["account_login"] = "/accounts/login/"
    with browser.seen_titles() as titles:  # another
        titles.setdefault("Sign in - Patient Portal", {})["account_signup"] = "/accounts/signup/"
        titles.setdefault("Home - Patient Portal", {})["home"] = "/"
    with browser.seen_titles() as titles:
        seen = titles

    assert seen == {
        "Sign in - Patient Portal": {"account_login": "/accounts/login/", "account_signup": "/accounts/signup/"},
        "Home - Patient Portal": {"home": "/"},
    }
    assert browser.TITLES == {}
