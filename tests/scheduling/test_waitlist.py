"""The waitlist: a freed time is offered; the first to accept gets it; the others find it gone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from portal.services import outbox
from portal.services.errors import InvalidToken, ServiceError
from scheduling import links
from scheduling.models import Appointment, WaitlistEntry, WaitlistOffer
from scheduling.selectors.staff import offer_acceptance
from scheduling.services.changes import appointment_cancel
from scheduling.services.waitlist import offer_accept, offers_sweep, waitlist_join
from tests.scheduling.conftest import NOW, Clinic, at
from tests.scheduling.test_reminders import WorkerDied

SLOT = at(2026, 3, 10, 9)


def join(clinic: Clinic, patient, earliest=date(2026, 3, 9), latest=date(2026, 3, 13)) -> WaitlistEntry:  # type: ignore[no-untyped-def]
    return waitlist_join(
        access=clinic.access(patient=patient),
        actor=patient.user,
        visit_type_id=clinic.follow_up.pk,
        earliest=earliest,
        latest=latest,
        now=NOW,
    )


def token_of(offer: WaitlistOffer) -> str:
    """The accept link the sweep sent to this offer's patient, from the email."""
    message = next(m for m in mail.outbox if m.to == [offer.entry.patient.user.email])
    return message.body.split("/appointments/offers/")[1].split("/accept/")[0]


@pytest.fixture
def freed(clinic: Clinic):  # type: ignore[no-untyped-def]
    """Three patients wait for a follow-up in the week of 9 March; a booked 9:00 on the 10th is cancelled."""
    waiting = [clinic.new_patient() for _ in range(4)]
    entries = [join(clinic, patient) for patient in waiting[:3]]
    join(clinic, waiting[3], earliest=date(2026, 3, 16), latest=date(2026, 3, 20))  # another week
    visit = clinic.book(SLOT)
    appointment_cancel(access=clinic.access(), actor=clinic.patient.user, appointment_id=visit.pk, now=NOW)
    return entries


def test_a_freed_time_is_offered_to_the_first_waiting_in_its_window(clinic: Clinic, freed) -> None:  # type: ignore[no-untyped-def]
    offers = list(WaitlistOffer.objects.order_by("pk"))

    assert [offer.entry for offer in offers] == freed
    assert {offer.expires_at for offer in offers} == {NOW + timedelta(minutes=120)}
    assert dict(offers_sweep(NOW)) == {"sent": 3}
    assert dict(offers_sweep(NOW)) == {}
    assert len(mail.outbox) == 3
    assert (
        "An appointment time has opened up at Lakeside Primary Care: Tue 10 Mar 2026, 9:00 a.m." in mail.outbox[0].body
    )


def test_the_first_to_accept_gets_it_and_the_others_find_it_gone(clinic: Clinic, freed) -> None:  # type: ignore[no-untyped-def]
    offers_sweep(NOW)
    first, second, third = WaitlistOffer.objects.order_by("pk")

    won = offer_accept(token=token_of(second), now=NOW + timedelta(minutes=3))
    lost = offer_accept(token=token_of(first), now=NOW + timedelta(minutes=4))
    again = offer_accept(token=token_of(second), now=NOW + timedelta(minutes=5))

    assert (won.accepted, won.message) == (True, "This time is booked for you.")
    assert (lost.accepted, lost.message) == (
        False,
        "Sorry, someone else took this time first. You are still on the waitlist.",
    )
    assert again.accepted is True
    booked = Appointment.objects.get(source=Appointment.Source.WAITLIST)
    assert (booked.patient, booked.starts_at, booked.provider) == (second.entry.patient, SLOT, clinic.dr_kim)
    assert list(WaitlistOffer.objects.order_by("pk").values_list("status", flat=True)) == ["gone", "accepted", "gone"]
    assert list(
        WaitlistEntry.objects.filter(pk__in=[e.pk for e in freed]).order_by("pk").values_list("status", flat=True)
    ) == ["active", "booked", "active"]
    assert offer_acceptance(organization_id=clinic.organization.pk, since=NOW) == {
        "sent": 3,
        "accepted": 1,
        "rate": 1 / 3,
    }


def test_offers_run_out_and_forged_links_are_refused(clinic: Clinic, freed) -> None:  # type: ignore[no-untyped-def]
    offers_sweep(NOW)
    offer = WaitlistOffer.objects.order_by("pk").first()
    assert offer is not None

    with pytest.raises(InvalidToken):
        offer_accept(token=links.make_token(links.ACCEPT, offer.pk), now=NOW)  # not the link that was sent
    late = offer_accept(token=token_of(offer), now=NOW + timedelta(minutes=121))
    swept = offers_sweep(NOW + timedelta(minutes=121))

    assert (late.accepted, late.message) == (False, "Sorry, this offer has run out. You are still on the waitlist.")
    assert dict(swept) == {"expired": 2}
    assert Appointment.objects.filter(source=Appointment.Source.WAITLIST).count() == 0


def test_joining_twice_or_outside_the_horizon_is_refused(clinic: Clinic) -> None:
    join(clinic, clinic.patient)

    with pytest.raises(ServiceError, match="already on the waitlist"):
        join(clinic, clinic.patient)
    with pytest.raises(ServiceError, match="within 60 days"):
        join(clinic, clinic.new_patient(), latest=date(2026, 6, 1))


def test_a_worker_dying_mid_offer_sweep_loses_no_offer_and_sends_none_twice(
    clinic: Clinic,
    freed,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    real_send = outbox.send_mail
    calls = {"count": 0}

    def dies_on_the_second(*message: object) -> int:
        calls["count"] += 1
        if calls["count"] == 2:
            raise WorkerDied
        return real_send(*message)

    monkeypatch.setattr(outbox, "send_mail", dies_on_the_second)
    with pytest.raises(WorkerDied):
        offers_sweep(NOW)
    assert WaitlistOffer.objects.filter(sent_at__isnull=False).count() == 1

    monkeypatch.setattr(outbox, "send_mail", real_send)
    assert dict(offers_sweep(NOW)) == {"sent": 2}
    assert dict(offers_sweep(NOW)) == {}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(entry.patient.user.email for entry in freed)


def test_the_others_who_were_offered_the_time_are_told_it_is_gone(
    clinic: Clinic,
    freed,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    offers_sweep(NOW)
    first, second, third = WaitlistOffer.objects.order_by("pk")
    token = token_of(second)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        offer_accept(token=token, now=NOW + timedelta(minutes=3))
    # Written with the acceptance and handed to a worker after commit; none runs here, so the
    # outbox's sweep sends them.
    outbox.sweep(NOW + timedelta(minutes=5))

    told = sorted(message.to[0] for message in mail.outbox)
    assert told == sorted([first.entry.patient.user.email, third.entry.patient.user.email])
    body = mail.outbox[0].body
    assert "Someone else took the time at Lakeside Primary Care on Tue 10 Mar 2026, 9:00 a.m. before you." in body
    assert "Follow-up" not in body  # the visit type is clinical detail: never in a message
