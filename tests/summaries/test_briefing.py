# ruff: noqa: F401, F811  (the scheduling clinic fixture, imported, is the argument of the tests)
"""The briefing: its rules on real rows (every line links to a page that shows its source), the
same medicine from two sources once, a teenager's confidential item hidden from her parent with
every line and count derived from it, a caregiver's scopes, the stale-and-rebuild cycle
(debounce, lock, rebuild if the inputs moved), and the pages that never wait for a build."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.db import connections
from django.test import Client

from portal import briefing_inputs
from portal.access import Action, resolve
from portal.factories import OrganizationFactory, ProxyGrantFactory, born_years_ago
from portal.models import AuditEvent, Scope
from records.factories import RecordItemFactory
from records.models import RecordItem
from summaries.models import Briefing, BriefingOpen
from summaries.selectors.patient import briefing_for
from summaries.services import refresh
from summaries.services.briefing import compose, compose_many
from tests.conftest import sign_in
from tests.scheduling.conftest import NOW, Clinic, at, clinic

pytestmark = pytest.mark.django_db
Kind = RecordItem.Kind


def _text(response: Any) -> str:
    assert response.status_code == 200
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()))


def _item(clinic: Clinic, source: Any, days_ago: int, **fields: Any) -> RecordItem:
    return RecordItemFactory(
        patient=clinic.patient, source=source, effective_at=NOW - timedelta(days=days_ago), **fields
    )


def _a_record(clinic: Clinic) -> dict[str, Any]:
    """A visit 20 days ago at Lakeside; since then, results (one high), the same new medicine from
    Lakeside and St Mary's, a new diagnosis and a visit note; before it, an old result."""
    st_marys = OrganizationFactory(name="St Mary's Hospital")
    lakeside = clinic.organization
    items = {
        "visit": _item(
            clinic, lakeside, 20, kind=Kind.VISIT, display="Office visit", code="185349003", status="finished"
        ),
        "old": _item(clinic, lakeside, 60, display="Old cholesterol", code="2093-3"),
        "a1c": _item(
            clinic, lakeside, 5, value_number=Decimal("8.4"), reference_high=Decimal("5.7"), interpretation="H"
        ),
        "sodium": _item(
            clinic, st_marys, 4, display="Sodium", code="2951-2", value_number=Decimal("140"), unit="mmol/L"
        ),
        "metformin_a": _item(
            clinic,
            lakeside,
            3,
            kind=Kind.MEDICATION,
            display="Metformin 500 mg",
            code="860975",
            dedup_key="rxnorm|860975",
            status="active",
            value_number=None,
        ),
        "metformin_b": _item(
            clinic,
            st_marys,
            2,
            kind=Kind.MEDICATION,
            display="Metformin 500 mg",
            code="860975",
            dedup_key="rxnorm|860975",
            status="active",
            value_number=None,
        ),
        "diabetes": _item(
            clinic,
            lakeside,
            5,
            kind=Kind.PROBLEM,
            display="Type 2 diabetes",
            code="44054006",
            dedup_key="snomed|44054006",
            value_number=None,
        ),
        "note": _item(
            clinic, st_marys, 1, kind=Kind.DOCUMENT, display="Discharge summary", code="18842-5", value_number=None
        ),
    }
    return items


@time_machine.travel(NOW, tick=False)
def test_the_rules_group_by_what_happened_and_name_every_source(clinic: Clinic) -> None:
    _a_record(clinic)

    built = compose(clinic.patient.pk, now=NOW)

    changed = [line for line in built.lines if line.section == "changed"]
    keys = [(line.key, line.params.get("name")) for line in changed]
    # Out of range first; the old result (before the last visit) is not news.
    assert keys[0] == ("result_out_of_range", "Hemoglobin A1c/Hemoglobin.total in Blood")
    assert ("result", "Old cholesterol") not in keys
    # The medicine two sources list: one line naming both.
    metformin = [line for line in changed if line.kind == "medication"]
    assert len(metformin) == 1
    assert metformin[0].key == "medication_started"
    assert metformin[0].organizations == ["Lakeside Primary Care", "St Mary's Hospital"]
    assert {"diagnosis_new", "document_new", "result"} <= {line.key for line in changed}
    # The high A1c with nothing after it needs a follow-up.
    assert [line.key for line in built.lines if line.section == "needs"] == ["result_no_follow_up"]


@time_machine.travel(NOW, tick=False)
def test_the_home_reads_the_briefing_and_every_line_opens_its_source(client: Client, clinic: Clinic) -> None:
    _a_record(clinic)
    clinic.book(at(2026, 3, 4, 9, 30))
    refresh.rebuild(clinic.patient.pk, now=NOW)
    sign_in(client, clinic.patient.user)

    response = client.get(f"/p/{clinic.patient.pk}/")
    text = _text(response)

    assert text.index("What changed") < text.index("What needs you") < text.index("What is next")
    assert "Medicine started: Metformin 500 mg" in text
    assert "From Lakeside Primary Care and St Mary's Hospital" in text
    # Named as the record pages name the test (records' plain name of its code).
    assert "Hemoglobin A1c (average blood sugar): 8.4 %, high" in text
    assert "Follow-up visit with Grace Kim, MD at Lakeside main clinic" in text
    # The cards follow the briefing.
    page = response.content.decode()
    assert page.index('id="briefing"') < page.index('class="cards"')
    links = set(re.findall(r'class="briefing__line">\s*<a href="([^"]+)"', response.content.decode()))
    assert len(links) >= 6
    for link in links:
        assert client.get(link).status_code == 200, link


@time_machine.travel(NOW, tick=False)
def test_spanish_reader_reads_spanish_words_around_the_same_rows(client: Client, clinic: Clinic) -> None:
    _a_record(clinic)
    refresh.rebuild(clinic.patient.pk, now=NOW)
    access = resolve(clinic.patient.user, clinic.patient, Action.PROFILE)

    shown = briefing_for(access=access, actor=clinic.patient.user, language="es")  # type: ignore[arg-type]

    assert shown.changed[0].meaning  # the plain-language meaning of a high A1c


@time_machine.travel(NOW, tick=False)
def test_a_teens_parent_never_sees_a_confidential_line_nor_what_derives_from_it(clinic: Clinic) -> None:
    teen = clinic.patient
    teen.birth_date = born_years_ago(15)
    teen.save(update_fields=["birth_date"])
    _a_record(clinic)
    # A confidential result, high, from the teen's own care: its line and its "needs you" line.
    _item(
        clinic,
        clinic.organization,
        2,
        display="Chlamydia test",
        code="43304-5",
        value_text="Positive",
        value_number=None,
        interpretation="A",
        confidential=True,
    )
    parent = ProxyGrantFactory(patient=teen, scopes=[Scope.RECORDS]).grantee
    refresh.rebuild(teen.pk, now=NOW)

    def shown_to(user: Any) -> list[str]:
        access = resolve(user, teen, Action.PROFILE)
        briefing = briefing_for(access=access, actor=user)  # type: ignore[arg-type]
        return [line.text for line in briefing.changed + briefing.needs + briefing.next]

    own = shown_to(teen.user)
    parents = shown_to(parent)

    assert any("Chlamydia" in text for text in own)
    assert sum("Chlamydia" in text for text in own) == 2  # what changed, and what needs her
    assert not any("Chlamydia" in text for text in parents)
    assert len(parents) == len(own) - 2
    event = AuditEvent.objects.filter(actor=teen.user, object_type="summaries.Briefing").get()
    assert event.confidential


@time_machine.travel(NOW, tick=False)
def test_a_caregiver_sees_only_the_lines_of_their_scopes(clinic: Clinic) -> None:
    _a_record(clinic)
    clinic.book(at(2026, 3, 4, 9, 30))
    refresh.rebuild(clinic.patient.pk, now=NOW)
    scheduler = ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.SCHEDULING]).grantee
    access = resolve(scheduler, clinic.patient, Action.PROFILE)

    shown = briefing_for(access=access, actor=scheduler)  # type: ignore[arg-type]

    assert shown.changed == [] and shown.needs == [] and shown.care_team == []
    assert [line.kind for line in shown.next] == ["visit"]


def test_a_burst_of_changes_enqueues_one_rebuild(clinic: Clinic, django_capture_on_commit_callbacks: Any) -> None:
    with mock.patch.object(refresh, "_enqueue") as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            for _resource in range(500):
                briefing_inputs.changed(clinic.patient.pk)
        with django_capture_on_commit_callbacks(execute=True):
            briefing_inputs.changed_many([clinic.patient.pk] * 3)

    enqueue.assert_called_once_with(str(clinic.patient.pk), refresh.debounce_seconds())
    row = Briefing.objects.get(patient=clinic.patient)
    assert row.changes == 501 and row.stale_since is not None and row.built_at is None


def test_a_rebuild_clears_stale_and_the_next_change_enqueues_again(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch.object(refresh, "_enqueue") as enqueue, django_capture_on_commit_callbacks(execute=True):
        refresh.mark_stale(clinic.patient.pk)
        assert refresh.rebuild(clinic.patient.pk) == refresh.Outcome.BUILT
        refresh.mark_stale(clinic.patient.pk)

    assert enqueue.call_count == 2
    row = Briefing.objects.get(patient=clinic.patient)
    assert (row.version, row.built_changes, row.changes) == (1, 1, 2)


def test_inputs_that_move_during_a_build_cause_another_build(clinic: Clinic) -> None:
    refresh.mark_stale(clinic.patient.pk)
    calls = []

    def moving(patient_ids: Any, *, now: Any) -> Any:
        calls.append(now)
        if len(calls) == 1:  # an import commits while the first build reads
            refresh.mark_stale(patient_ids[0])
        return compose_many(patient_ids, now=now)

    with mock.patch.object(refresh, "compose_many", moving):
        outcome = refresh.rebuild(clinic.patient.pk)

    assert outcome == refresh.Outcome.BUILT
    assert len(calls) == 2
    row = Briefing.objects.get(patient=clinic.patient)
    assert row.stale_since is None and row.built_changes == row.changes == 2


def test_a_second_worker_leaves_a_patient_whose_briefing_is_being_built(clinic: Clinic) -> None:
    refresh.mark_stale(clinic.patient.pk)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [refresh.LOCK_CLASS, str(clinic.patient.pk)])
        with mock.patch.object(refresh, "compose_many") as compose_mock:
            assert refresh.rebuild(clinic.patient.pk) == refresh.Outcome.BUSY
        compose_mock.assert_not_called()
        assert Briefing.objects.get(patient=clinic.patient).stale_since is not None  # nothing lost
    finally:
        # Unlocked explicitly: a closed session's locks go only once its server process has ended.
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [refresh.LOCK_CLASS, str(clinic.patient.pk)])
        other.close()
    assert refresh.rebuild(clinic.patient.pk) == refresh.Outcome.BUILT


def test_the_sweep_enqueues_stale_and_day_old_briefings(clinic: Clinic) -> None:
    fresh, old, stale = clinic.patient, clinic.new_patient(), clinic.new_patient()
    for patient in (fresh, old, stale):
        refresh.rebuild(patient.pk, now=NOW)
    Briefing.objects.filter(patient=old).update(built_at=NOW - timedelta(days=2))
    refresh.mark_stale(stale.pk, now=NOW)

    with mock.patch.object(refresh, "_enqueue_batch") as enqueue:
        assert refresh.sweep(now=NOW) == 2

    # One batch: a batch's rebuild costs the same queries whatever its size.
    (call,) = enqueue.call_args_list
    assert set(call.args[0]) == {str(old.pk), str(stale.pk)}


@time_machine.travel(NOW, tick=False)
def test_the_page_never_waits_it_says_being_prepared_then_polls(client: Client, clinic: Clinic) -> None:
    sign_in(client, clinic.patient.user)
    home = _text(client.get(f"/p/{clinic.patient.pk}/"))
    assert "Your briefing is being prepared" in home

    part = f"/p/{clinic.patient.pk}/briefing/part/?v=0"
    refresh.mark_stale(clinic.patient.pk)
    assert client.get(part).status_code == 204  # still being built: nothing to swap
    refresh.rebuild(clinic.patient.pk, now=NOW)
    swapped = client.get(part)
    assert swapped.status_code == 200
    assert "What changed" in swapped.content.decode()
    assert "hx-get" not in swapped.content.decode()  # fresh: the poll stops


@time_machine.travel(NOW, tick=False)
def test_opening_the_briefing_is_recorded_with_where_it_came_from(client: Client, clinic: Clinic) -> None:
    refresh.rebuild(clinic.patient.pk, now=NOW)
    sign_in(client, clinic.patient.user)

    # Only the notice's signed link marks an opening as from a notice; a query string cannot.
    from summaries.services import notices

    link = notices.link_path(patient_id=clinic.patient.pk, user_id=clinic.patient.user.pk)
    client.get(f"/p/{clinic.patient.pk}/briefing/?via=notice")
    client.get(link, follow=True)
    client.get(f"/p/{clinic.patient.pk}/")

    opens = list(BriefingOpen.objects.order_by("opened_at", "pk").values_list("via", "page", "acting_as"))
    assert opens == [("self", "page", "self"), ("notice", "home", "self"), ("self", "home", "self")]


def test_a_confidential_visit_never_dates_the_briefing(clinic: Clinic) -> None:
    """Found by review: "since <date>" heads every reader's briefing, and it was the teen's last
    visit of any kind, so her parent learned when her confidential visit took place."""
    teen = clinic.patient
    teen.birth_date = born_years_ago(15)
    teen.save(update_fields=["birth_date"])
    public_visit = _a_record(clinic)["visit"]
    _item(
        clinic,
        clinic.organization,
        3,
        kind=Kind.VISIT,
        display="Counseling visit",
        code="185349003",
        status="finished",
        confidential=True,
    )

    assert compose(teen.pk, now=NOW).since == public_visit.effective_at


def test_a_care_gap_line_reads_in_the_readers_language() -> None:
    """The worker stores the line once; each reader reads the rule's name in their language."""
    from summaries.selectors.patient import _params
    from summaries.services.lines import Line

    line = Line(
        section="needs",
        kind="care_gap",
        key="care_gap_open",
        params={"rule": "Flu vaccine", "rule_es": "Vacuna contra la gripe"},
        source={"model": "records.RecordItem", "id": None, "url": "record_overview", "kwargs": {}},
        scope="records",
    )

    assert _params(line, "es")["rule"] == "Vacuna contra la gripe"
    assert _params(line, "en")["rule"] == "Flu vaccine"
