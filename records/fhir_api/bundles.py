"""Searchset Bundles: entries with their full URLs, the total, and self/next/previous links."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils import timezone

from records.fhir_api.search import Page


@dataclass(frozen=True)
class Location:
    """Where a search was asked: the API's base URL, the search's own URL, and its parameters."""

    base: str
    url: str
    params: QueryDict

    def page_url(self, page: Page) -> str:
        params = self.params.copy()
        params["_count"] = str(page.count)
        params["_offset"] = str(page.offset)
        return f"{self.url}?{urlencode(sorted(params.lists()), doseq=True)}"


def links(location: Location, page: Page, total: int) -> list[dict[str, str]]:
    found = [{"relation": "self", "url": location.page_url(page)}]
    if page.count and page.offset + page.count < total:
        found.append({"relation": "next", "url": location.page_url(Page(page.count, page.offset + page.count))})
    if page.count and page.offset > 0:
        previous = Page(page.count, max(page.offset - page.count, 0))
        found.append({"relation": "previous", "url": location.page_url(previous)})
    return found


def searchset(
    *,
    location: Location,
    page: Page,
    total: int,
    resources: list[dict[str, Any]],
    included: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """`resources` matched the search (`total` counts them); `included` came with them (`_include`)."""
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": timezone.now().isoformat()},
        "type": "searchset",
        "total": total,
        "link": links(location, page, total),
        "entry": [
            {
                "fullUrl": f"{location.base}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": mode},
            }
            for mode, group in (("match", resources), ("include", included))
            for resource in group
        ],
    }
    if not bundle["entry"]:
        del bundle["entry"]  # FHIR JSON has no empty arrays
    return bundle
