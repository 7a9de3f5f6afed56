"""Messaging's staff pages live under /staff/messaging/ (issue 11); the prefixes they had before
(/staff/messages/, /staff/notifications/) redirect there for good, keeping the rest of the path
and the query, so bookmarks and links in old emails keep working."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse


def test_every_staff_page_of_messaging_is_under_staff_messaging() -> None:
    assert [
        reverse("staff_messages"),
        reverse("staff_thread", args=[7]),
        reverse("messaging_metrics"),
        reverse("evisit_report"),
        reverse("evisit_panel", args=[7]),
        reverse("messaging_notices"),
        reverse("messaging_notice_open", args=[3]),
    ] == [
        "/staff/messaging/",
        "/staff/messaging/7/",
        "/staff/messaging/metrics/",
        "/staff/messaging/evisits/report/",
        "/staff/messaging/evisits/threads/7/panel/",
        "/staff/messaging/notices/",
        "/staff/messaging/notices/3/open/",
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/staff/messages/", "/staff/messaging/"),
        ("/staff/messages/pools/4/?status=open&page=2", "/staff/messaging/pools/4/?status=open&page=2"),
        ("/staff/messages/12/chart/", "/staff/messaging/12/chart/"),
        ("/staff/notifications/", "/staff/messaging/notices/"),
        ("/staff/notifications/?page=3", "/staff/messaging/notices/?page=3"),
        ("/staff/notifications/5/open/", "/staff/messaging/notices/5/open/"),
    ],
)
def test_the_old_prefixes_redirect_permanently_keeping_path_and_query(client: Client, old: str, new: str) -> None:
    response = client.get(old)

    assert (response.status_code, response["Location"]) == (301, new)
