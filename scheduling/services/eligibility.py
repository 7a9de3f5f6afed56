"""Whether a patient may book a visit type themselves, and if not, why, in plain words.

The answer names the booking mode the patient meets (book, request, call) and every rule they do
not meet, each as a sentence they can act on ("New patient visits must be booked by phone
because ..."). Staff booking on a patient's behalf are not bound by these rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import CareTeamMembership, Patient
from scheduling.models import ACTIVE, Appointment, Referral, VisitType
from scheduling.models.appointments import Status

Mode = VisitType.BookingMode


@dataclass
class Eligibility:
    visit_type: VisitType
    mode: str
    reasons: list[str] = field(default_factory=list)
    # The providers the patient may see for this visit type; None: any who offers it.
    provider_ids: list[int] | None = None

    @property
    def may_book(self) -> bool:
        return self.mode == Mode.BOOK and not self.reasons

    @property
    def may_request(self) -> bool:
        return self.mode == Mode.REQUEST and not self.reasons


def _phone(visit_type: VisitType) -> str:
    return visit_type.organization.phone or _("the clinic")


def _age_reason(visit_type: VisitType, age: int) -> str | None:
    low, high = visit_type.min_age, visit_type.max_age
    if (low is None or age >= low) and (high is None or age <= high):
        return None
    values = {"visit": visit_type.label, "min": low, "max": high, "phone": _phone(visit_type)}
    if low is not None and high is not None:
        return _("“%(visit)s” is for patients aged %(min)s to %(max)s. Please call %(phone)s.") % values
    if low is not None:
        return _("“%(visit)s” is for patients aged %(min)s and over. Please call %(phone)s.") % values
    return _("“%(visit)s” is for patients aged %(max)s and under. Please call %(phone)s.") % values


def months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for candidate in (day.day, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: day 28 exists in every month")


def is_established(patient: Patient, visit_type: VisitType, now: datetime) -> bool:
    """A completed visit at the organization within the visit type's number of months."""
    since = months_before(timezone.localdate(now), visit_type.established_months)
    return Appointment.objects.filter(
        patient=patient,
        organization_id=visit_type.organization_id,
        status=Status.COMPLETED,
        during__startswith__gte=datetime.combine(since, datetime.min.time(), tzinfo=now.tzinfo),
    ).exists()


def primary_provider_id(patient: Patient) -> int | None:
    return (
        CareTeamMembership.objects.filter(patient=patient, is_primary=True, staff__is_active=True)
        .values_list("staff_id", flat=True)
        .first()
    )


def check_eligibility(
    *, patient: Patient, visit_type: VisitType, now: datetime | None = None, replacing: int | None = None
) -> Eligibility:
    """Every rule of `visit_type` the patient does not meet, in plain words. At most four small
    queries (established, referral, primary provider, upcoming visits), each only if its rule is on.
    `replacing`: an appointment the booking replaces (the patient's hold, or the visit being
    moved), so it does not count against the limit of upcoming visits."""
    now = now or timezone.now()
    result = Eligibility(visit_type=visit_type, mode=visit_type.booking_mode)
    values = {"visit": visit_type.label, "phone": _phone(visit_type)}
    if not visit_type.is_active:
        result.reasons.append(_("“%(visit)s” is no longer offered online. Please call %(phone)s.") % values)
        return result
    if visit_type.booking_mode == Mode.CALL:
        result.reasons.append(
            _("“%(visit)s” must be booked by phone because %(reason)s. Please call %(phone)s.")
            % {**values, "reason": visit_type.call_reason_label}
        )
        return result
    age_reason = _age_reason(visit_type, patient.age_on(timezone.localdate(now)))
    if age_reason:
        result.reasons.append(age_reason)
    if visit_type.established_only and not is_established(patient, visit_type, now):
        result.reasons.append(
            _(
                "“%(visit)s” is for patients we have seen in the last %(months)s months. "
                "Please call %(phone)s and we will find you a time."
            )
            % {**values, "months": visit_type.established_months}
        )
    if (
        visit_type.needs_referral
        and not Referral.objects.filter(
            patient=patient, visit_type=visit_type, valid_until__gte=timezone.localdate(now)
        ).exists()
    ):
        result.reasons.append(
            _("“%(visit)s” needs a referral from your care team. Send us a message or call %(phone)s.") % values
        )
    if visit_type.primary_provider_only:
        primary = primary_provider_id(patient)
        if primary is None:
            result.reasons.append(
                _(
                    "“%(visit)s” is with your primary care provider, and you do not have one with us yet. "
                    "Please call %(phone)s."
                )
                % values
            )
        result.provider_ids = [primary] if primary is not None else []
    upcoming = Appointment.objects.filter(
        patient=patient, visit_type=visit_type, status__in=ACTIVE, during__startswith__gt=now
    ).exclude(status=Status.HELD, hold_expires_at__lte=now)
    if replacing is not None:
        upcoming = upcoming.exclude(pk=replacing)
    if visit_type.booking_mode == Mode.BOOK and upcoming.count() >= visit_type.max_active_bookings:
        limit = visit_type.max_active_bookings
        result.reasons.append(
            ngettext(
                "You already have an upcoming “%(visit)s”. Change or cancel it instead of booking another.",
                "You already have %(count)s upcoming visits of the type “%(visit)s”, the most you can book. "
                "Change or cancel one instead of booking another.",
                limit,
            )
            % {**values, "count": limit}
        )
    return result
