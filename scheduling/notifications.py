"""What reminders and waitlist offers say, and handing them to the portal's outbox.

They say only that there is a visit (or a time on offer) at the clinic, when, and the links:
never the visit type, the provider or anything clinical (no PHI through side channels). The
outbox (portal.services.outbox) sends them by the channels the patient chose, outside quiet hours, in the
patient's language, and asks this module for the words when it sends (the kinds registered from
SchedulingConfig.ready).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import dates
from portal.links import absolute
from portal.models import Notice, Organization, Patient
from portal.services import outbox

log = logging.getLogger(__name__)


class Kind(models.TextChoices):
    REMINDER = "appointment_reminder", gettext_lazy("Appointment reminder")
    OFFER = "waitlist_offer", gettext_lazy("An earlier appointment is available")
    OFFER_GONE = "waitlist_offer_gone", gettext_lazy("The time offered was taken")


def enqueue(
    *,
    patient: Patient,
    kind: str,
    key: str,
    target_id: int,
    channels: list[str] | None = None,
    link: str = "",
    quiet: outbox.QuietHours | None = None,
    now: datetime | None = None,
    send_now: bool = False,
) -> list[int]:
    """A notice to the patient through the outbox: to their account, or by email to the address
    the clinic has when they have none; in the patient's preferred language."""
    return outbox.enqueue(
        kind=kind,
        key=key,
        user=patient.user,
        email=patient.email if patient.user is None else "",
        channels=channels,
        patient_id=patient.pk,
        target_id=target_id,
        link=link,
        language=patient.preferred_language,
        quiet=quiet,
        now=now,
        send_now=send_now,
    )


def reachable(patient: Patient) -> list[str]:
    """The channels the patient can be reached by, as the outbox will choose them."""
    return outbox.channels_for(patient.user, "" if patient.user else patient.email)


def when(moment: datetime, organization: Organization) -> str:
    return dates.format_datetime(moment, zone=ZoneInfo(organization.time_zone))


def reminder_message(
    *, patient: Patient, organization: Organization, starts_at: datetime, confirm: str, cancel: str
) -> tuple[str, str]:
    """(subject, body) of a reminder, in the patient's language."""
    with translation.override(patient.preferred_language):
        values = {"clinic": organization.name, "when": when(starts_at, organization)}
        subject = _("Reminder: your appointment at %(clinic)s") % values
        body = "\n\n".join(
            [
                _("You have an appointment at %(clinic)s on %(when)s.") % values,
                _("To confirm you are coming: %(link)s") % {"link": confirm},
                _("To cancel: %(link)s") % {"link": cancel},
            ]
        )
    return subject, body


def offer_message(*, patient: Patient, organization: Organization, starts_at: datetime, accept: str) -> tuple[str, str]:
    """(subject, body) of a waitlist offer, in the patient's language."""
    with translation.override(patient.preferred_language):
        values = {"clinic": organization.name, "when": when(starts_at, organization)}
        subject = _("An earlier appointment is available at %(clinic)s") % values
        body = "\n\n".join(
            [
                _("An appointment time has opened up at %(clinic)s: %(when)s.") % values,
                _("To take it, tap: %(link)s") % {"link": accept},
                _("It goes to the first person who takes it, and the offer runs out soon."),
            ]
        )
    return subject, body


def gone_message(*, patient: Patient, organization: Organization, starts_at: datetime) -> tuple[str, str]:
    """(subject, body) telling a patient the time they were offered went to someone else."""
    with translation.override(patient.preferred_language):
        values = {"clinic": organization.name, "when": when(starts_at, organization)}
        subject = _("The appointment time at %(clinic)s has been taken") % values
        body = "\n\n".join(
            [
                _("Someone else took the time at %(clinic)s on %(when)s before you.") % values,
                _("You are still on the waiting list: we will tell you if another time opens."),
            ]
        )
    return subject, body


def offers_gone(offer_ids: list[int], now: datetime) -> None:
    """Tell each patient whose offer someone else took: written in the acceptance's transaction,
    sent after it commits. The offer's link says the same when opened."""
    from scheduling.models import WaitlistOffer

    offers = WaitlistOffer.objects.filter(pk__in=offer_ids).select_related("entry__patient__user")
    for offer in offers:
        enqueue(
            patient=offer.entry.patient, kind=Kind.OFFER_GONE, key=f"offer-gone:{offer.pk}", target_id=offer.pk, now=now
        )
        log.info("scheduling: waitlist offer gone", extra={"offer_id": offer.pk})


# -- the words, made by the outbox when it sends ------------------------------------------------


def _words(subject_body: tuple[str, str]) -> outbox.Words:
    # A text says the same as the email's body: a time, a place, links; nothing clinical.
    subject, body = subject_body
    return outbox.Words(subject, body, body)


def reminder_words(notice: Notice) -> outbox.Words:
    from scheduling import links
    from scheduling.models import Appointment

    appointment = Appointment.objects.select_related("patient", "organization").get(pk=notice.target_id or 0)
    return _words(
        reminder_message(
            patient=appointment.patient,
            organization=appointment.organization,
            starts_at=appointment.starts_at,
            confirm=links.link(links.CONFIRM, links.make_token(links.CONFIRM, appointment.pk)),
            cancel=links.link(links.CANCEL, links.make_token(links.CANCEL, appointment.pk)),
        )
    )


def _offer(notice: Notice):  # type: ignore[no-untyped-def]
    from scheduling.models import WaitlistOffer

    return WaitlistOffer.objects.select_related("entry__patient", "entry__visit_type__organization").get(
        pk=notice.target_id or 0
    )


def offer_words(notice: Notice) -> outbox.Words:
    offer = _offer(notice)
    return _words(
        offer_message(
            patient=offer.entry.patient,
            organization=offer.entry.visit_type.organization,
            starts_at=offer.during.lower,
            accept=absolute(notice.link),
        )
    )


def offer_gone_words(notice: Notice) -> outbox.Words:
    offer = _offer(notice)
    return _words(
        gone_message(
            patient=offer.entry.patient, organization=offer.entry.visit_type.organization, starts_at=offer.during.lower
        )
    )


def register_kinds() -> None:
    outbox.register(Kind.REMINDER, Kind.REMINDER.label, render=reminder_words)
    outbox.register(Kind.OFFER, Kind.OFFER.label, render=offer_words)
    outbox.register(Kind.OFFER_GONE, Kind.OFFER_GONE.label, render=offer_gone_words)
