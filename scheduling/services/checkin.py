"""eCheck-in: from 3 days before a booked visit until it starts, the patient (or a caregiver with
the scheduling scope) confirms their details, insurance, medicines and allergies, answers the
visit's questionnaires, and is checked in.

Contact details change the Patient at once (audited). Medicines and allergies do NOT change the
record: what the patient says is sent to the care team for review as records CareTasks (one per
item they marked, one for anything new), since the record comes from the clinic's systems.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging import safety
from messaging.services import threads
from portal import audit, briefing_inputs
from portal.access import Access
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError
from records.models import CareTask, RecordItem
from records.selectors.patient import visible_items
from records.services.care_tasks import care_task_open
from scheduling.models import Appointment, CheckIn, Insurance, Questionnaire, QuestionnaireResponse
from scheduling.services import questionnaires

WINDOW = timedelta(days=3)
# Record items no longer current: not shown for review.
ENDED = ("stopped", "completed", "inactive", "resolved", "entered-in-error", "refuted")


class Window:
    EARLY = "early"
    OPEN = "open"
    DONE = "done"
    CLOSED = "closed"


def window(appointment: Appointment, now: datetime) -> str:
    if appointment.checked_in_at is not None:
        return Window.DONE
    if appointment.status != Appointment.Status.BOOKED or now >= appointment.starts_at:
        return Window.CLOSED
    if now < appointment.starts_at - WINDOW:
        return Window.EARLY
    return Window.OPEN


def opens_at(appointment: Appointment) -> datetime:
    return appointment.starts_at - WINDOW


@dataclass
class Step:
    questionnaire: Questionnaire
    response: QuestionnaireResponse | None

    @property
    def done_at(self) -> datetime | None:
        return self.response.submitted_at if self.response is not None else None


@dataclass
class State:
    appointment: Appointment
    window: str
    check_in: CheckIn
    steps: list[Step] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        check_in = self.check_in
        confirmed = (
            check_in.details_confirmed_at and check_in.insurance_confirmed_at and check_in.medicines_confirmed_at
        )
        return bool(confirmed) and all(step.response is not None for step in self.steps)


def _appointment(access: Access, appointment_id: int, *, lock: bool = False) -> Appointment:
    if not access.is_patient_side:
        raise Http404
    appointments = Appointment.objects.select_related("visit_type", "provider__user", "location")
    if lock:
        appointments = appointments.select_for_update(of=("self",))
    appointment = appointments.filter(pk=appointment_id, patient=access.patient).first()
    if appointment is None:
        raise Http404
    return appointment


def _state(access: Access, appointment: Appointment, now: datetime) -> State:
    check_in = CheckIn.objects.filter(appointment=appointment).first() or CheckIn(appointment=appointment)
    answered = {r.questionnaire_id: r for r in QuestionnaireResponse.objects.filter(appointment=appointment)}
    steps = [
        Step(q, answered.get(q.pk))
        for q in questionnaires.questionnaires_for(appointment)
        if not questionnaires.hidden_from(access, q)
    ]
    return State(appointment, window(appointment, now), check_in, steps)


def checkin_state(*, access: Access, actor: User, appointment_id: int, now: datetime | None = None) -> State:
    """Where the check-in of this visit stands (audited as a view of the appointment)."""
    appointment = _appointment(access, appointment_id)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, obj=appointment)
    return _state(access, appointment, now or timezone.now())


def _open(access: Access, appointment_id: int, now: datetime) -> tuple[Appointment, CheckIn]:
    """The appointment, locked, with its check-in row; refused outside the window."""
    appointment = _appointment(access, appointment_id, lock=True)
    state = window(appointment, now)
    if state == Window.EARLY:
        raise ServiceError(_("Check-in has not opened yet."))
    if state != Window.OPEN:
        raise ServiceError(_("Check-in for this visit is closed."))
    check_in, _created = CheckIn.objects.get_or_create(appointment=appointment)
    return appointment, check_in


def _confirm(check_in: CheckIn, step: str, now: datetime) -> None:
    setattr(check_in, step, now)
    check_in.save(update_fields=[step])


@transaction.atomic
def details_confirm(
    *,
    access: Access,
    actor: User,
    appointment_id: int,
    phone: str,
    email: str,
    address: str,
    now: datetime | None = None,
) -> list[str]:
    """Confirm the patient's contact details, applying any change. Returns the fields changed."""
    now = now or timezone.now()
    _appointment_row, check_in = _open(access, appointment_id, now)
    patient = access.patient
    given = {"phone": phone.strip(), "email": email.strip().lower(), "address": address.strip()}
    if not given["phone"] and not given["email"]:
        raise ServiceError(_("Give a phone number or an email address so the clinic can reach you."), field="phone")
    changed = [name for name, value in given.items() if getattr(patient, name) != value]
    if changed:
        for name in changed:
            setattr(patient, name, given[name])
        patient.save(update_fields=changed)
        audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=patient)
    _confirm(check_in, "details_confirmed_at", now)
    return changed


@transaction.atomic
def insurance_confirm(
    *,
    access: Access,
    actor: User,
    appointment_id: int,
    uninsured: bool,
    payer: str = "",
    member_id: str = "",
    group_number: str = "",
    now: datetime | None = None,
) -> Insurance:
    now = now or timezone.now()
    _appointment_row, check_in = _open(access, appointment_id, now)
    values = {"payer": payer.strip(), "member_id": member_id.strip(), "group_number": group_number.strip()}
    if uninsured:
        values = dict.fromkeys(values, "")
    elif not values["payer"]:
        raise ServiceError(_("Give the name of your insurance company."), field="payer")
    elif not values["member_id"]:
        raise ServiceError(_("Give your member ID from your insurance card."), field="member_id")
    insurance, _created = Insurance.objects.update_or_create(
        patient=access.patient, defaults={"uninsured": uninsured, "updated_by": actor, "updated_at": now, **values}
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=insurance)
    _confirm(check_in, "insurance_confirmed_at", now)
    return insurance


def reviewable_items(access: Access) -> list[RecordItem]:
    """The current medicines and allergies the patient may see, for them to confirm."""
    return list(
        visible_items(access)
        .filter(kind__in=[RecordItem.Kind.MEDICATION, RecordItem.Kind.ALLERGY])
        .exclude(status__in=ENDED)
        .select_related("source")
        .order_by("kind", "display", "pk")
    )


@transaction.atomic
def medicines_review(
    *,
    access: Access,
    actor: User,
    appointment_id: int,
    changes: dict[int, str],
    new_medicines: str = "",
    new_allergies: str = "",
    confirmed_flags: Collection[str] = (),
    now: datetime | None = None,
) -> list[CareTask]:
    """Send what the patient says about their medicines and allergies to the care team for review.
    `changes` maps an item id to the patient's words about it ("I no longer take this");
    unchanged items are left out. Nothing in the record changes.

    The words pass messaging's safety screen: findings not in `confirmed_flags` refuse with
    `safety.Unconfirmed` (nothing saved); confirmed, an urgent thread puts them in front of
    nurse triage now, as the review tasks would wait for the visit."""
    now = now or timezone.now()
    flags = safety.require_confirmed(*changes.values(), new_medicines, new_allergies, confirmed=confirmed_flags)
    appointment, check_in = _open(access, appointment_id, now)
    items = {item.pk: item for item in reviewable_items(access)}
    if set(changes) - set(items):
        raise ServiceError(_("Part of your list changed while you were reading it. Reload the page."))
    visit = timezone.localtime(appointment.starts_at).date().isoformat()
    texts: list[tuple[RecordItem | None, str]] = [
        (items[item_id], _("At check-in for the visit on %(date)s: %(words)s") % {"date": visit, "words": words})
        for item_id, words in changes.items()
    ]
    for label, text in ((_("New medicines"), new_medicines), (_("New allergies"), new_allergies)):
        if text.strip():
            texts.append((None, f"{label} ({visit}): {text.strip()}"))
    tasks = [
        care_task_open(access=access, actor=actor, kind=CareTask.Kind.CORRECTION, item=item, text=text, now=now)
        for item, text in texts
    ]
    if flags:
        threads.safety_thread_open(
            access=access,
            actor=actor,
            subject=_("Check-in answer mentions signs of an emergency"),
            body="\n\n".join(task.text for task in tasks),
            flags=flags,
            idempotency_key=f"checkin-words-{tasks[0].pk}",
            now=now,
        )
    _confirm(check_in, "medicines_confirmed_at", now)
    return tasks


@transaction.atomic
def answer(
    *,
    access: Access,
    actor: User,
    appointment_id: int,
    questionnaire_id: int,
    answers: dict[str, Any],
    confirmed_flags: Collection[str] = (),
    now: datetime | None = None,
) -> QuestionnaireResponse:
    now = now or timezone.now()
    appointment, _check_in = _open(access, appointment_id, now)
    questionnaire = Questionnaire.objects.filter(pk=questionnaire_id).first()
    if questionnaire is None or questionnaires.hidden_from(access, questionnaire):
        raise Http404
    return questionnaires.response_submit(
        access=access,
        actor=actor,
        appointment=appointment,
        questionnaire=questionnaire,
        answers=answers,
        confirmed_flags=confirmed_flags,
        now=now,
    )


@transaction.atomic
def checkin_finish(*, access: Access, actor: User, appointment_id: int, now: datetime | None = None) -> Appointment:
    now = now or timezone.now()
    appointment, _check_in = _open(access, appointment_id, now)
    if not _state(access, appointment, now).ready:
        raise ServiceError(_("Some steps are not done yet."))
    appointment.checked_in_at = now
    appointment.save(update_fields=["checked_in_at"])
    briefing_inputs.changed(appointment.patient_id)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=appointment)
    return appointment
