# ruff: noqa: F401, F811  (the records source fixture, imported, is the argument of the tests)
"""The briefing of a real imported Synthea patient: the import (hundreds of resources) marks the
briefing stale once and enqueues one rebuild; every line of the built briefing opens a page of the
patient's own that shows its source row; and a rebuild costs the same queries as an empty record's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.factories import PatientFactory, UserFactory
from portal.models import Patient
from records.models import RecordItem, SourceRecord
from records.templatetags.records_tags import plain_term, visit_name
from summaries.models import Briefing
from summaries.services import refresh
from tests.conftest import sign_in
from tests.records.conftest import BUNDLE, source
from tests.records.test_import import run_import

pytestmark = pytest.mark.django_db


def test_an_imported_patient_gets_one_rebuild_and_every_line_opens_its_source(
    source: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch.object(refresh, "_enqueue") as enqueue, django_capture_on_commit_callbacks(execute=True):
        run_import(source, BUNDLE)
    patient = Patient.objects.get()
    assert SourceRecord.objects.filter(patient=patient).count() > 50  # one bundle, many resources
    enqueue.assert_called_once_with(str(patient.pk), refresh.debounce_seconds())

    patient.user = UserFactory()
    patient.save(update_fields=["user"])
    newest = RecordItem.objects.filter(patient=patient).aggregate(newest=Max("effective_at"))["newest"]
    assert refresh.rebuild(patient.pk, now=newest + timedelta(days=1)) == refresh.Outcome.BUILT

    lines = Briefing.objects.get(patient=patient).lines
    assert any(line["section"] == "changed" for line in lines)
    sign_in(client, patient.user)
    for line in lines:
        target = line["source"]
        if target["model"] == "records.RecordItem":
            item = RecordItem.objects.get(pk=target["id"], patient=patient, release="released")
            kwargs = {"patient_id": patient.pk, **target["kwargs"]}
            page = client.get(reverse(target["url"], kwargs=kwargs))
            assert page.status_code == 200, line
            # The page names the item as the line does: plainly (a visit by its kind, no SNOMED tag).
            shown = visit_name(item) if item.kind == RecordItem.Kind.VISIT else plain_term(item.display)
            assert shown in page.content.decode().replace("&#x27;", "'"), line


def test_a_rebuild_costs_the_same_queries_for_a_full_record_as_for_an_empty_one(source: Any) -> None:
    run_import(source, BUNDLE)
    full = Patient.objects.get()
    empty = PatientFactory()
    now = RecordItem.objects.filter(patient=full).aggregate(newest=Max("effective_at"))["newest"] + timedelta(days=1)

    counts = []
    for patient in (full, empty):
        refresh.rebuild(patient.pk, now=now)
        with CaptureQueriesContext(connection) as captured:
            refresh.rebuild(patient.pk, now=now)
        counts.append(len(captured.captured_queries))

    assert counts[0] == counts[1]
