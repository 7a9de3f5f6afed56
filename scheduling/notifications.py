"""What reminders and waitlist offers say, and sending them by email or text message.

They say only that there is a visit (or a time on offer) at the clinic, when, and the links:
never the visit type, the provider or anything clinical (no PHI through side channels).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from portal import dates
from portal.models import Organization, Patient
from portal.notify import send_sms
from scheduling.models import Reminder

log = logging.getLogger(__name__)

Channel = Reminder.Channel


def channels_for(patient: Patient) -> list[str]:
    """How the patient wants to hear: their account's choices; by email when they have no account."""
    user = patient.user
    if user is None:
        return [Channel.EMAIL] if patient.email else []
    channels: list[str] = []
    if user.notify_by_email and user.email:
        channels.append(Channel.EMAIL)
    if user.notify_by_sms and user.phone:
        channels.append(Channel.SMS)
    return channels


def address_for(patient: Patient, channel: str) -> str:
    user = patient.user
    if channel == Channel.SMS:
        return user.phone if user else ""
    return user.email if user else patient.email


def when(moment: datetime, organization: Organization) -> str:
    return dates.format_datetime(moment, zone=ZoneInfo(organization.time_zone))


def send(*, channel: str, to: str, subject: str, body: str) -> None:
    if channel == Channel.SMS:
        send_sms(to=to, body=body)
    else:
        send_mail(subject, body, None, [to])


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


def offers_gone(offer_ids: list[int]) -> None:
    """Tell each patient whose offer someone else took (after the acceptance committed). Best
    effort: a message that fails is logged, and the offer's link says the same when opened."""
    from scheduling.models import WaitlistOffer

    offers = WaitlistOffer.objects.filter(pk__in=offer_ids).select_related(
        "entry__patient__user", "entry__visit_type__organization"
    )
    for offer in offers:
        patient = offer.entry.patient
        subject, body = gone_message(
            patient=patient, organization=offer.entry.visit_type.organization, starts_at=offer.during.lower
        )
        for channel in channels_for(patient):
            address = address_for(patient, channel)
            if not address:
                continue
            try:
                send(channel=channel, to=address, subject=subject, body=body)
            except Exception as error:  # noqa: BLE001 - one failed message must not stop the others
                log.warning(
                    "scheduling: offer-gone message failed", extra={"offer_id": offer.pk, "error": type(error).__name__}
                )
                continue
            log.info("scheduling: waitlist offer gone", extra={"offer_id": offer.pk, "channel": channel})
