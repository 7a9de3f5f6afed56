# ruff: noqa: F401, F811  (the scheduling clinic fixture, imported, is the argument of the tests)
"""The patient home: every card tells the truth, with the next visit and the newest results,
in a constant number of queries; the cards come from the apps through the portal's registry."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from portal.factories import ProxyGrantFactory, born_years_ago
from portal.models import AuditEvent, Scope
from records.factories import RecordItemFactory
from summaries.services import refresh
from tests.conftest import sign_in
from tests.scheduling.conftest import NOW, Clinic, at, clinic

pytestmark = pytest.mark.django_db


def _text(client: Client, clinic: Clinic) -> str:
    response = client.get(f"/p/{clinic.patient.pk}/")
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _two_bookings_allowed(clinic: Clinic) -> None:
    clinic.follow_up.max_active_bookings = 2
    clinic.follow_up.save()


def _result(clinic: Clinic, display: str, days_ago: int, **fields: object) -> None:
    RecordItemFactory(
        patient=clinic.patient,
        source=clinic.organization,
        display=display,
        code=display.lower().replace(" ", "-"),
        effective_at=NOW - timedelta(days=days_ago),
        **fields,
    )


@time_machine.travel(NOW, tick=False)
def test_the_home_shows_the_next_visit_and_the_newest_results(client: Client, clinic: Clinic) -> None:
    _two_bookings_allowed(clinic)
    clinic.book(at(2026, 3, 10, 9))
    clinic.book(at(2026, 3, 4, 9, 30))  # the sooner one is the next
    for days, name in ((40, "Oldest test"), (3, "Sodium"), (2, "Potassium"), (1, "Glucose")):
        _result(clinic, name, days)
    sign_in(client, clinic.patient.user)

    text = _text(client, clinic)

    assert "Next visit: Wed 4 Mar 2026, 9:30 a.m. (in 2 days, 2 hours) Follow-up visit · Grace Kim" in text
    assert "Newest results: Glucose : 6.1 % Sun 1 Mar 2026" in text
    assert text.index("Glucose") < text.index("Potassium") < text.index("Sodium")
    assert "Oldest test" not in text
    # Every section's app is here: none says it is coming.
    assert "Coming soon to this portal." not in text


@time_machine.travel(NOW, tick=False)
def test_with_nothing_yet_each_card_says_so(client: Client, clinic: Clinic) -> None:
    sign_in(client, clinic.patient.user)

    text = _text(client, clinic)

    assert "No upcoming visits. Find a time" in text
    assert "No test results yet." in text
    assert "No new replies." in text


@time_machine.travel(NOW, tick=False)
def test_the_home_is_a_constant_number_of_queries(client: Client, clinic: Clinic, django_assert_num_queries) -> None:
    sign_in(client, clinic.patient.user)
    refresh.rebuild(clinic.patient.pk, now=NOW)
    client.get(f"/p/{clinic.patient.pk}/")  # warm: session
    # session, user, staff role, the two second-factor devices, patient, profile audit; the
    # briefing, when this reader last read it, its audit and the opening; results and their audit;
    # unread replies; the next visit and its audit; refill requests; what is owed and its audit;
    # the layout's people; saving the session (3 with its savepoint).
    with django_assert_num_queries(23):
        client.get(f"/p/{clinic.patient.pk}/")
    _two_bookings_allowed(clinic)
    clinic.book(at(2026, 3, 4, 9))
    clinic.book(at(2026, 3, 5, 9))
    for days in range(6):
        _result(clinic, f"Test {days}", days)
    refresh.rebuild(clinic.patient.pk, now=NOW)
    with django_assert_num_queries(23):
        client.get(f"/p/{clinic.patient.pk}/")


@time_machine.travel(NOW, tick=False)
def test_a_caregiver_sees_only_the_cards_of_their_scopes(client: Client, clinic: Clinic) -> None:
    clinic.book(at(2026, 3, 4, 9))
    _result(clinic, "Glucose", 1)
    carer = ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.SCHEDULING]).grantee
    sign_in(client, carer)

    text = _text(client, clinic)

    assert "Next visit: Wed 4 Mar 2026, 9:00 a.m." in text
    assert "Glucose" not in text
    assert set(AuditEvent.objects.filter(actor=carer).values_list("object_type", "scope")) == {
        ("portal.Patient", ""),
        ("scheduling.HomeCard", Scope.SCHEDULING),
    }


@time_machine.travel(NOW, tick=False)
def test_a_teens_confidential_result_stays_off_the_parents_home_and_activity(client: Client, clinic: Clinic) -> None:
    teen = clinic.patient
    teen.birth_date = born_years_ago(15)
    teen.save()
    _result(clinic, "Glucose", 2)
    _result(clinic, "Confidential test", 1, confidential=True)
    parent = ProxyGrantFactory(patient=teen, scopes=list(Scope.values)).grantee

    own = _text(sign_in(client, teen.user), clinic)
    parents = _text(sign_in(Client(), parent), clinic)
    activity = sign_in(Client(), parent).get(f"/p/{teen.pk}/activity/").content.decode()

    assert "Confidential test" in own
    assert "Confidential test" not in parents
    assert "Glucose" in parents
    seen_by_teen = AuditEvent.objects.get(actor=teen.user, object_type="records.HomeCard")
    assert seen_by_teen.confidential is True
    assert f"{teen.user.full_name} saw the newest results" not in activity
    assert "You saw the newest results on the home page." in activity


def test_the_portal_home_asks_apps_for_cards_without_importing_them() -> None:
    root = Path(settings.BASE_DIR)
    sources = [root / "summaries" / "views" / "patient.py", root / "portal" / "home_cards.py"]

    imports = [
        line for path in sources for line in path.read_text().splitlines() if line.startswith(("from ", "import "))
    ]

    assert [line for line in imports if re.match(r"(from|import) (records|scheduling|messaging)\b", line)] == []
