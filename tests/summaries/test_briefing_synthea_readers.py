# ruff: noqa: F401, F811  (the records source fixture, imported, is the argument of the test)
"""The briefing of a real imported Synthea patient, as each reader sees it: the patient a teen with
two items marked confidential, her parent a guardian with every scope. Every line each reader is
shown opens a page they may open that shows the record item it names (an existing item of this
patient, released, and for the parent never a confidential one); the parent's home holds no line,
count or word derived from the confidential items."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from portal.access import Action, resolve
from portal.factories import ProxyGrantFactory, UserFactory, born_years_ago
from portal.models import Patient, Scope
from records.models import RecordItem
from records.templatetags.records_tags import plain_term, visit_name
from summaries.models import Briefing
from summaries.selectors.patient import may_see
from summaries.services import phrases, refresh
from summaries.services.lines import Line
from tests.conftest import sign_in
from tests.records.conftest import BUNDLE, source
from tests.records.test_import import run_import

pytestmark = pytest.mark.django_db


def _page_text(response: Any) -> str:
    return response.content.decode().replace("&#x27;", "'")


def _shown(line: dict[str, Any]) -> str | None:
    """A line's name as its reader's page says it (a visit by its kind, no SNOMED tag)."""
    return phrases.shown_name(line["key"], line["params"]) if "name" in line["params"] else None


def _secrets(lines: list[dict[str, Any]]) -> set[int]:
    """Two record items "what changed" names, of two kinds, each with a name no other line has."""
    names = [_shown(line) for line in lines]
    chosen: dict[str, int] = {}
    for line in lines:
        if line["section"] != "changed" or line["source"]["model"] != "records.RecordItem":
            continue
        if names.count(_shown(line)) == 1 and line["kind"] not in chosen:
            chosen[line["kind"]] = line["source"]["id"]
    assert len(chosen) >= 2, chosen
    return set(list(chosen.values())[:2])


def test_every_line_opens_an_item_its_reader_may_see_and_a_parent_sees_nothing_confidential(source: Any) -> None:
    run_import(source, BUNDLE)
    teen = Patient.objects.get()
    teen.user, teen.birth_date = UserFactory(), born_years_ago(15)
    teen.save(update_fields=["user", "birth_date"])
    parent = ProxyGrantFactory(patient=teen, is_guardian=True, scopes=list(Scope.values)).grantee
    now = RecordItem.objects.filter(patient=teen).aggregate(newest=Max("effective_at"))["newest"] + timedelta(days=1)
    refresh.rebuild(teen.pk, now=now)
    secret_ids = _secrets(Briefing.objects.get(patient=teen).lines)
    RecordItem.objects.filter(pk__in=secret_ids).update(confidential=True)
    stored = Briefing.objects.get(patient=teen).lines
    secret_names = {_shown(line) for line in stored if line["source"]["id"] in secret_ids}

    refresh.rebuild(teen.pk, now=now)

    lines = [Line.from_json(data) for data in Briefing.objects.get(patient=teen).lines]
    assert {line.source["id"] for line in lines if line.confidential} >= secret_ids
    shown: dict[str, list[Line]] = {}
    for reader in (teen.user, parent):
        access = resolve(reader, teen, Action.PROFILE)
        assert access is not None
        shown[reader.email] = [line for line in lines if may_see(line, access)]
        client = sign_in(Client(), reader)
        for line in shown[reader.email]:
            target = reverse(line.source["url"], kwargs={"patient_id": teen.pk, **line.source["kwargs"]})
            page = client.get(target)
            assert page.status_code == 200, (reader, line)
            if line.source["model"] == "records.RecordItem" and line.source["id"] is not None:
                item = RecordItem.objects.get(pk=line.source["id"], patient=teen, release="released")
                assert reader == teen.user or not item.confidential, line
                shown_there = visit_name(item) if item.kind == RecordItem.Kind.VISIT else plain_term(item.display)
                assert shown_there in _page_text(page), line
        home = _page_text(client.get(f"/p/{teen.pk}/"))
        for name in secret_names:
            assert (name in home) == (reader == teen.user), (reader, name)

    hidden = [line for line in lines if line.confidential]
    assert len(shown[parent.email]) == len(shown[teen.user.email]) - len(hidden)
    assert not any(line.confidential for line in shown[parent.email])
