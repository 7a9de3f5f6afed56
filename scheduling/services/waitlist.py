"""The waitlist: join and leave; when a booked time frees up, offers to the first few waitlisted
patients whose window holds it; the first to accept from the signed link gets the time (in one
transaction, decided by the appointment constraints), the others find it gone; offers run out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, Patient, User
from portal.queue import queue_task
from portal.services.errors import InvalidToken, InvalidTransition, ServiceError
from portal.services.tokens import token_hash
from scheduling import links, notifications
from scheduling.models import OCCUPYING, Appointment, WaitlistEntry, WaitlistOffer
from scheduling.services import reminders
from scheduling.services.booking import insert_appointment
from scheduling.services.common import (
    load_visit_type,
    locked_patient,
    require_scheduling,
    settings_for,
)
from scheduling.services.delivery import deliver
from scheduling.services.eligibility import check_eligibility
from scheduling.services.slots import local_date

EntryStatus = WaitlistEntry.Status
OfferStatus = WaitlistOffer.Status


@transaction.atomic
def waitlist_join(
    *,
    access: Access,
    actor: User,
    visit_type_id: int,
    earliest: date,
    latest: date,
    now: datetime | None = None,
) -> WaitlistEntry:
    """ "Tell me if something opens between these days" for a visit type the patient may book."""
    require_scheduling(access)
    if not access.is_patient_side:
        raise Http404
    now = now or timezone.now()
    patient = locked_patient(access)
    visit_type = load_visit_type(visit_type_id)
    eligibility = check_eligibility(patient=patient, visit_type=visit_type, now=now)
    if not eligibility.may_book:
        raise ServiceError(eligibility.reasons[0] if eligibility.reasons else _("This visit is not booked online."))
    today = local_date(visit_type, now)
    if earliest < today:
        raise ServiceError(_("Choose a first day from today on."), field="earliest")
    if latest < earliest:
        raise ServiceError(_("The last day must not be before the first day."), field="latest")
    if latest > today + timedelta(days=visit_type.max_horizon_days):
        raise ServiceError(
            _("Choose a last day within %(days)s days.") % {"days": visit_type.max_horizon_days}, field="latest"
        )
    provider_ids = eligibility.provider_ids
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                patient=patient,
                visit_type=visit_type,
                provider_id=provider_ids[0] if provider_ids else None,
                earliest=earliest,
                latest=latest,
                created_by=actor,
                created_at=now,
            )
    except IntegrityError as error:
        raise ServiceError(
            _("You are already on the waitlist for this visit. Leave it first to choose other days.")
        ) from error
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=entry)
    return entry


@transaction.atomic
def waitlist_leave(*, access: Access, actor: User, entry_id: int, now: datetime | None = None) -> WaitlistEntry:
    require_scheduling(access)
    entry = WaitlistEntry.objects.select_for_update().filter(pk=entry_id, patient=access.patient).first()
    if entry is None:
        raise Http404
    if entry.status != EntryStatus.ACTIVE:
        raise InvalidTransition(_("You are no longer on this waitlist."))
    entry.status, entry.ended_at = EntryStatus.CANCELLED, now or timezone.now()
    entry.save(update_fields=["status", "ended_at"])
    entry.offers.filter(status=OfferStatus.OFFERED).update(status=OfferStatus.EXPIRED)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=entry)
    return entry


def offer_freed_time(*, appointment: Appointment, now: datetime) -> list[WaitlistOffer]:
    """Offer the time `appointment` held (just cancelled) to the first waitlisted patients whose
    window holds its day, if it is still free and far enough ahead. Runs in the caller's
    transaction; the offers are sent after commit (and by the sweep, should that fail)."""
    visit_type = appointment.visit_type
    if appointment.starts_at < now + timedelta(minutes=visit_type.min_lead_minutes):
        return []
    taken = (
        Appointment.objects.filter(
            provider_id=appointment.provider_id, status__in=OCCUPYING, during__overlap=appointment.during
        )
        .exclude(status=Appointment.Status.HELD, hold_expires_at__lte=now)
        .exists()
    )
    if taken:
        return []
    settings = settings_for(appointment.organization_id)
    day = local_date(visit_type, appointment.starts_at)
    entries = (
        WaitlistEntry.objects.filter(
            Q(provider__isnull=True) | Q(provider_id=appointment.provider_id),
            status=EntryStatus.ACTIVE,
            visit_type=visit_type,
            earliest__lte=day,
            latest__gte=day,
        )
        .exclude(patient_id=appointment.patient_id)
        .order_by("created_at", "pk")[: settings.offers_per_slot]
    )
    expires_at = min(now + timedelta(minutes=settings.offer_minutes), appointment.starts_at)
    offers = WaitlistOffer.objects.bulk_create(
        [
            WaitlistOffer(
                entry=entry,
                provider_id=appointment.provider_id,
                location_id=appointment.location_id,
                during=appointment.during,
                created_at=now,
                expires_at=expires_at,
            )
            for entry in entries
        ],
        ignore_conflicts=True,
    )
    if offers:
        transaction.on_commit(_send_offers_soon)
    return offers


def _send_offers_soon() -> None:
    # By the task's name: scheduling.tasks imports this module (its sweep), so it is not imported here.
    queue_task("scheduling.send_waitlist_offers")


@dataclass(frozen=True)
class OfferOutcome:
    offer: WaitlistOffer
    message: str

    @property
    def accepted(self) -> bool:
        return self.offer.status == OfferStatus.ACCEPTED


def _close(offer: WaitlistOffer, status: str, now: datetime) -> None:
    offer.status, offer.responded_at = status, now
    offer.save(update_fields=["status", "responded_at", "appointment"])


def offer_patient_id(token: str) -> object:
    """The patient an offer's link is for (None for an unknown offer), so a signed-in caller can
    be checked against the access policy before the offer is accepted."""
    offer_id = links.read_token(token, links.ACCEPT)
    return WaitlistOffer.objects.filter(pk=offer_id).values_list("entry__patient_id", flat=True).first()


@transaction.atomic
def offer_accept(
    *, token: str, now: datetime | None = None, access: Access | None = None, actor: User | None = None
) -> OfferOutcome:
    """Take the offered time from the offer's one-tap link. The first to accept gets it; a later
    one is told it is gone (and the offer says so); accepting twice returns the booking.
    `access`/`actor`: a signed-in patient or caregiver (the API), checked by the caller through
    the access policy; the booking is audited as theirs. Without them, the link speaks for the patient."""
    now = now or timezone.now()
    offer_id = links.read_token(token, links.ACCEPT)
    offer = (
        WaitlistOffer.objects.select_for_update(of=("self",))
        .select_related("entry__patient__user", "entry__visit_type__organization")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None or not offer.token_hash or offer.token_hash != token_hash(token):
        raise InvalidToken(_("This link is not valid or has run out."))
    if access is not None:
        require_scheduling(access)
        if not access.is_patient_side or access.patient.pk != offer.entry.patient_id:
            raise InvalidToken(_("This link is not valid or has run out."))
    if offer.status == OfferStatus.ACCEPTED:
        return OfferOutcome(offer, _("This time is booked for you."))
    if offer.status == OfferStatus.GONE:
        return OfferOutcome(offer, _("Sorry, someone else took this time first. You are still on the waitlist."))
    if offer.status == OfferStatus.EXPIRED or offer.expires_at <= now:
        if offer.status != OfferStatus.EXPIRED:
            _close(offer, OfferStatus.EXPIRED, now)
        return OfferOutcome(offer, _("Sorry, this offer has run out. You are still on the waitlist."))
    entry = offer.entry
    patient = entry.patient
    access = access or Access(patient, AuditEvent.ActingAs.SELF, Action.SCHEDULING)
    actor = actor or patient.user
    locked_patient(access)
    try:
        appointment = insert_appointment(
            patient=patient,
            visit_type=entry.visit_type,
            provider_id=offer.provider_id,
            location_id=offer.location_id,
            starts_at=offer.during.lower,
            status=Appointment.Status.BOOKED,
            source=Appointment.Source.WAITLIST,
            actor=actor,
            now=now,
        )
    except ServiceError:
        _close(offer, OfferStatus.GONE, now)
        return OfferOutcome(offer, _("Sorry, someone else took this time first. You are still on the waitlist."))
    offer.appointment = appointment
    _close(offer, OfferStatus.ACCEPTED, now)
    entry.status, entry.ended_at = EntryStatus.BOOKED, now
    entry.save(update_fields=["status", "ended_at"])
    others = WaitlistOffer.objects.filter(
        Q(provider_id=offer.provider_id, during=offer.during) | Q(entry=entry), status=OfferStatus.OFFERED
    ).exclude(pk=offer.pk)
    # The others who were sent this time hear it is gone (not this patient's own other offers).
    told = list(others.exclude(entry=entry).filter(sent_at__isnull=False).values_list("pk", flat=True))
    others.update(status=OfferStatus.GONE, responded_at=now)
    notifications.offers_gone(told, now)
    reminders.schedule_reminders(appointment=appointment, now=now)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=appointment)
    return OfferOutcome(offer, _("This time is booked for you."))


def unsent_offers(now: datetime) -> QuerySet[WaitlistOffer]:
    return (
        WaitlistOffer.objects.filter(sent_at__isnull=True, status=OfferStatus.OFFERED, expires_at__gt=now)
        .select_related("entry__patient__user", "entry__visit_type__organization")
        .order_by("created_at", "pk")
    )


def send_offer(offer: WaitlistOffer, now: datetime) -> str:
    """Hand one offer (its row locked by the caller) to the outbox, which sends it at once by each
    channel the patient wants, and stamp it with the hash of the link sent: only that link accepts it."""
    patient: Patient = offer.entry.patient
    token = links.make_token(links.ACCEPT, offer.pk)
    offer.token_hash, offer.sent_at = token_hash(token), now
    offer.save(update_fields=["token_hash", "sent_at"])
    if not notifications.reachable(patient):
        return "unreachable"
    notifications.enqueue(
        patient=patient,
        kind=notifications.Kind.OFFER,
        key=f"offer:{offer.pk}",
        target_id=offer.pk,
        link=links.path(links.ACCEPT, token),
        now=now,
        send_now=True,
    )
    return "sent"


def offers_expire(now: datetime) -> int:
    """Offers past their time, and waitlist entries whose window has passed."""
    expired = WaitlistOffer.objects.filter(status=OfferStatus.OFFERED, expires_at__lte=now).update(
        status=OfferStatus.EXPIRED, responded_at=now
    )
    WaitlistEntry.objects.filter(status=EntryStatus.ACTIVE, latest__lt=timezone.localdate(now)).update(
        status=EntryStatus.EXPIRED, ended_at=now
    )
    return expired


def offers_sweep(now: datetime | None = None) -> Counter[str]:
    """Send unsent offers once each, then expire what has run out (a beat task every minute)."""
    now = now or timezone.now()
    outcomes = deliver(lambda: unsent_offers(now), lambda offer: send_offer(offer, now))
    if expired := offers_expire(now):
        outcomes["expired"] += expired
    return outcomes
