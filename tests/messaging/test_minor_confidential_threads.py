"""A 12-17-year-old's own conversations are confidential from her parent: a thread she starts
herself, or one the clinic opens from her own words, leaves no trace for a caregiver (pages, API,
unread counts, the home card, notices). Threads the parent starts stay his; the teen and her
nurse see everything. Each attack here once worked."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from messaging.home_card import unread_replies_card
from messaging.models import Thread
from messaging.selectors.patient import unread_total
from messaging.services.threads import safety_thread_open, thread_mark_read, thread_reply
from portal.access import Action
from portal.factories import ProxyGrantFactory, UserFactory, born_years_ago
from portal.models import Notice, Scope, User
from tests.conftest import sign_in
from tests.messaging.conftest import Clinic, at

pytestmark = pytest.mark.django_db

SECRET = "my sertraline for anxiety, please do not tell my dad"


@pytest.fixture
def teen(clinic: Clinic) -> Clinic:
    clinic.patient.birth_date = born_years_ago(15)
    clinic.patient.save(update_fields=["birth_date"])
    return clinic


@pytest.fixture
def dad(teen: Clinic) -> User:
    user = UserFactory(notify_by_email=True, email="dad@example.org")
    ProxyGrantFactory(patient=teen.patient, grantee=user, scopes=[Scope.MESSAGING, Scope.SCHEDULING], is_guardian=True)
    return user


def _reply(clinic: Clinic, thread: Thread, body: str = "Let's talk today.") -> None:
    nurse = clinic.nurse_ana.user
    thread_reply(access=clinic.access(nurse), actor=nurse, thread_id=thread.pk, body=body)


def _threads(teen: Clinic, dad: User) -> tuple[Thread, Thread]:
    """Her own thread (confidential) and one her father started (not), each with a reply."""
    hers = teen.start(subject="Medicine question", body=SECRET)
    his = teen.start(user=dad, subject="Her asthma inhaler", body="Does she need a new one?")
    _reply(teen, hers)
    _reply(teen, his)
    return hers, his


def test_the_flag_is_set_at_creation_by_who_started_it_and_her_age(teen: Clinic, dad: User) -> None:
    hers, his = _threads(teen, dad)
    assert (hers.confidential, his.confidential) == (True, False)


def test_an_adults_or_a_childs_own_thread_is_not_confidential(clinic: Clinic) -> None:
    clinic.patient.birth_date = born_years_ago(30)
    clinic.patient.save(update_fields=["birth_date"])
    assert clinic.start().confidential is False
    clinic.patient.birth_date = born_years_ago(11)
    clinic.patient.save(update_fields=["birth_date"])
    assert clinic.start().confidential is False


def test_the_parent_finds_no_trace_of_her_thread_on_the_pages(teen: Clinic, dad: User) -> None:
    hers, his = _threads(teen, dad)
    parent = sign_in(Client(), dad)
    patient_id = teen.patient.pk

    listing = parent.get(reverse("messages_home", kwargs={"patient_id": patient_id}))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Her asthma inhaler" in page
    assert "Medicine question" not in page and "sertraline" not in page

    url = reverse("messages_thread", kwargs={"patient_id": patient_id, "thread_id": hers.pk})
    assert parent.get(url).status_code == 404
    mine = reverse("messages_thread", kwargs={"patient_id": patient_id, "thread_id": his.pk})
    assert parent.get(mine).status_code == 200


def test_the_parent_finds_no_trace_of_her_thread_in_the_api(teen: Clinic, dad: User) -> None:
    hers, his = _threads(teen, dad)
    parent = sign_in(Client(), dad)
    base = f"/api/v1/patients/{teen.patient.pk}/threads/"

    listing = parent.get(base)
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [his.pk]
    assert "sertraline" not in listing.content.decode()
    assert parent.get(f"{base}{hers.pk}/").status_code == 404
    assert parent.get(f"{base}{his.pk}/").status_code == 200
    # Nor may he write into it, close it, or reopen it.
    replied = parent.post(f"{base}{hers.pk}/messages/", {"body": "What?", "idempotency_key": "k1"})
    assert replied.status_code == 404
    assert parent.post(f"{base}{hers.pk}/close/").status_code == 404


def test_unread_counts_and_the_home_card_leave_her_replies_out(teen: Clinic, dad: User) -> None:
    hers, _his = _threads(teen, dad)
    _reply(teen, hers, "And a second answer.")
    now = at(2026, 3, 2, 15)

    assert unread_total(teen.access(dad)) == 1
    card = unread_replies_card(access=teen.access(dad), actor=dad, now=now)
    assert card.context["unread_messages"] == 1
    assert thread_mark_read(access=teen.access(dad), thread_id=hers.pk) == 0
    assert unread_total(teen.access(teen.patient.user)) == 3


def test_no_reply_notice_goes_to_the_parent_for_her_thread(teen: Clinic, dad: User) -> None:
    her_account = teen.patient.user
    her_account.notify_by_email, her_account.email = True, "emma@example.org"
    her_account.save(update_fields=["notify_by_email", "email"])

    hers, his = _threads(teen, dad)

    assert not Notice.objects.filter(user=dad, target_id=hers.pk).exists()
    assert Notice.objects.filter(user=dad, target_id=his.pk).exists()
    assert Notice.objects.filter(user=her_account, target_id=hers.pk).exists()


def test_a_safety_thread_from_her_words_is_confidential_from_the_parent(teen: Clinic, dad: User) -> None:
    user = teen.patient.user
    thread = safety_thread_open(
        access=teen.access(user, action=Action.SCHEDULING),
        actor=user,
        subject="Check-in answer",
        body="I want to kill myself",
        flags=["suicide"],
        idempotency_key="checkin-words-1",
        now=at(2026, 3, 2, 15),
    )
    assert thread.confidential is True
    parent = sign_in(Client(), dad)
    listing = parent.get(f"/api/v1/patients/{teen.patient.pk}/threads/")
    assert thread.pk not in [row["id"] for row in listing.json()["results"]]


def test_the_teen_and_her_nurse_still_see_everything(teen: Clinic, dad: User) -> None:
    hers, his = _threads(teen, dad)
    patient_id = teen.patient.pk
    own = sign_in(Client(), teen.patient.user)
    listing = own.get(f"/api/v1/patients/{patient_id}/threads/")
    assert {row["id"] for row in listing.json()["results"]} == {hers.pk, his.pk}
    page = own.get(reverse("messages_thread", kwargs={"patient_id": patient_id, "thread_id": hers.pk}))
    assert page.status_code == 200 and "sertraline" in page.content.decode()

    nurse = sign_in(Client(), teen.nurse_ana.user, second_factor=True)
    staff_page = nurse.get(reverse("staff_thread", kwargs={"thread_id": hers.pk}))
    assert staff_page.status_code == 200 and "sertraline" in staff_page.content.decode()


def test_the_migration_flags_threads_written_before_the_flag(teen: Clinic, dad: User) -> None:
    hers, his = _threads(teen, dad)
    Thread.objects.update(confidential=False)  # as they were before migration 0006
    migration = importlib.import_module("messaging.migrations.0006_thread_confidential")

    migration.flag_teens_own_threads(apps, None)

    assert Thread.objects.filter(confidential=True).get() == hers
