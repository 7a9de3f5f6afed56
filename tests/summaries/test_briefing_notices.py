"""The opt-in notice that the briefing has something new: sent by a worker after a rebuild found
new lines, at most once a day, by the patient's channels and quiet hours, without clinical content,
with a signed link whose opening is recorded as via=notice."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from messaging.factories import ThreadFactory
from portal.factories import PatientFactory, UserFactory
from portal.models import Notice
from records.factories import RecordItemFactory
from summaries.models import BriefingOpen
from summaries.services import notices, refresh
from tests.clock import CLINIC_ZONE, Clock
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def opted_in():
    patient = PatientFactory(given_name="Quillon")
    patient.user.notify_briefing = True
    patient.user.save(update_fields=["notify_briefing"])
    refresh.rebuild(patient.pk)  # the first build is everything, never news
    return patient


def _new_result(patient: Any, display: str = "Potassium") -> None:
    RecordItemFactory(patient=patient, display=display, code="2823-3", value_number=Decimal("6.2"), unit="mmol/L")


def _rebuild(patient: Any, capture: Any) -> None:
    with capture(execute=True):
        refresh.rebuild(patient.pk)


def test_news_after_a_rebuild_sends_one_notice_with_a_signed_link_and_no_clinical_words(
    opted_in, eager_tasks, django_capture_on_commit_callbacks
) -> None:
    _new_result(opted_in)

    _rebuild(opted_in, django_capture_on_commit_callbacks)

    [email] = mail.outbox
    assert email.to == [opted_in.user.email]
    assert email.subject == "Something new is in your briefing"
    assert "/b/" in email.body
    for private in ("Potassium", "6.2", "Quillon", opted_in.family_name):
        assert private not in email.body and private not in email.subject
    notice = Notice.objects.get(kind="briefing_new")
    assert (notice.user, notice.patient, notice.channel) == (opted_in.user, opted_in, "email")


def test_nothing_is_sent_to_a_patient_who_did_not_opt_in(eager_tasks, django_capture_on_commit_callbacks) -> None:
    patient = PatientFactory()
    refresh.rebuild(patient.pk)
    _new_result(patient)

    _rebuild(patient, django_capture_on_commit_callbacks)

    assert Notice.objects.filter(kind="briefing_new").count() == 0


def test_at_most_one_a_day(opted_in, clock: Clock, eager_tasks, django_capture_on_commit_callbacks) -> None:
    _new_result(opted_in, "Potassium")
    _rebuild(opted_in, django_capture_on_commit_callbacks)
    clock.shift(timedelta(hours=3))
    _new_result(opted_in, "Sodium")
    _rebuild(opted_in, django_capture_on_commit_callbacks)
    same_day = Notice.objects.filter(kind="briefing_new").count()
    clock.shift(timedelta(days=1))
    _new_result(opted_in, "Chloride")
    _rebuild(opted_in, django_capture_on_commit_callbacks)

    assert same_day == 1
    assert Notice.objects.filter(kind="briefing_new").count() == 2
    assert len(mail.outbox) == 2


def test_a_rebuild_with_nothing_new_or_only_the_patients_own_message_sends_nothing(
    opted_in, eager_tasks, django_capture_on_commit_callbacks
) -> None:
    _rebuild(opted_in, django_capture_on_commit_callbacks)
    ThreadFactory(patient=opted_in, subject="Knee")  # their own request: "What is next", not news
    _rebuild(opted_in, django_capture_on_commit_callbacks)

    assert Notice.objects.filter(kind="briefing_new").count() == 0


def test_a_text_waits_for_the_end_of_the_quiet_hours(opted_in, clock: Clock) -> None:
    user = opted_in.user
    user.phone, user.notify_by_sms, user.notify_by_email = "+15555550100", True, False
    user.save(update_fields=["phone", "notify_by_sms", "notify_by_email"])
    clock.move_to(datetime(2026, 12, 9, 22, 15, tzinfo=CLINIC_ZONE))

    notices.notify_new_lines(opted_in.pk)

    notice = Notice.objects.get(kind="briefing_new")
    assert notice.channel == "sms"
    assert notice.due_at == datetime(2026, 12, 10, 8, 0, tzinfo=CLINIC_ZONE)
    assert notice.sent_at is None


def test_the_link_records_the_opening_as_from_the_notice_once(client: Client, opted_in) -> None:
    link = notices.link_path(patient_id=opted_in.pk, user_id=opted_in.user.pk)

    anonymous = client.get(link)
    sign_in(client, opted_in.user)
    opened = client.get(link)
    client.get(opened["Location"])
    client.get(f"/p/{opted_in.pk}/")

    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert opened["Location"] == f"/p/{opted_in.pk}/"
    assert list(BriefingOpen.objects.order_by("opened_at", "pk").values_list("via", flat=True)) == ["notice", "self"]


def test_someone_elses_or_a_forged_or_an_old_link_is_not_counted(client: Client, opted_in, clock: Clock) -> None:
    link = notices.link_path(patient_id=opted_in.pk, user_id=opted_in.user.pk)
    stranger = UserFactory()
    sign_in(client, stranger)

    theirs = client.get(link)
    forged = client.get(link[:-3] + "xx/")
    clock.shift(notices.MAX_AGE + timedelta(days=1))
    sign_in(client, opted_in.user)
    old = client.get(link)
    client.get(old["Location"])

    assert theirs["Location"] == "/"
    assert old["Location"] == f"/p/{opted_in.pk}/"
    assert forged.status_code == 404
    assert BriefingOpen.objects.filter(user=stranger).count() == 0
    assert list(BriefingOpen.objects.values_list("via", flat=True)) == ["self"]
