"""Answering a visit's questionnaires: validate, score, file the result in the record, and raise
the safety alert.

Results land in the record as patient-entered data, filed by records.services.patient_entered:
a `SourceRecord` holding a FHIR Observation (category survey, performer the patient, LOINC
44261-6 PHQ-9 total or 70274-6 GAD-7 total) and its `RecordItem`, so the score shows on the
patient's results page and trends like any other.
For a patient aged 12-17 the item is confidential: a teenager's caregivers do not see it.

PHQ-9 item 9 above 0 alerts staff at once, in the same transaction as the answers. Decision: an
URGENT messaging thread in the nurse triage route (category "new symptom", safety flag
"suicide"), not a records CareTask. A thread is routed to a named owner, notifies every member
of the pool in the portal at once, carries an urgent answer-time promise with at-risk and late
escalation (messaging.sla), and is where the nurse's answer reaches the patient. A CareTask only
waits in a queue nobody is told about. The patient sees crisis resources (988, 911) on the page
that confirms the answers, whatever the hour.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging import safety
from messaging.models import Category, Thread
from messaging.services import threads
from portal import audit
from portal.access import ADULT_AT, MINOR_CONFIDENTIAL_FROM, Access
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError
from records.models import RecordItem
from records.services.patient_entered import file_patient_observation
from scheduling.models import Appointment, Questionnaire, QuestionnaireField, QuestionnaireResponse
from scheduling.questionnaires import INSTRUMENTS, Instrument

LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


# The mental-health instruments: a teenager's answers, scores and even whether she answered
# are confidential from her caregivers, like the record item they file.
CONFIDENTIAL_BUILTINS = frozenset({Questionnaire.Builtin.PHQ9, Questionnaire.Builtin.GAD7})


def hidden_from(access: Access, questionnaire: Questionnaire) -> bool:
    """Whether this questionnaire does not exist for `access` (a 12-17-year-old's caregiver and
    a mental-health instrument): no check-in line, no answered page, no answering it for her.
    An adult's caregiver still helps with them, as before."""
    return (
        access.hides_confidential
        and questionnaire.builtin in CONFIDENTIAL_BUILTINS
        and threads.confidential_care(access.patient)
    )


def questionnaires_for(appointment: Appointment) -> list[Questionnaire]:
    """The active questionnaires the visit type asks for, in the administrators' order."""
    return list(
        Questionnaire.objects.filter(
            visit_type_links__visit_type_id=appointment.visit_type_id, is_active=True
        ).order_by("visit_type_links__position", "visit_type_links__pk")
    )


def _instrument_answers(instrument: Instrument, answers: dict[str, Any]) -> dict[int, int]:
    checked: dict[int, int] = {}
    for number, _question in instrument.questions():
        value = answers.get(str(number))
        if not isinstance(value, int) or not 0 <= value <= 3:
            raise ServiceError(_("Answer every question."), field=f"item_{number}")
        checked[number] = value
    return checked


def _observation(response: QuestionnaireResponse, instrument: Instrument, band_key: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"portal-questionnaire-response-{response.pk}",
        "status": "final",
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}]}
        ],
        "code": {"coding": [{"system": LOINC, "code": instrument.loinc_total, "display": instrument.total_display}]},
        "subject": {"reference": f"Patient/{response.patient_id}"},
        "performer": [{"reference": f"Patient/{response.patient_id}"}],
        "effectiveDateTime": response.submitted_at.isoformat(),
        "valueQuantity": {"value": response.score, "unit": "{score}"},
        "interpretation": [{"text": band_key}],
    }


def _file_in_record(
    access: Access, actor: User, response: QuestionnaireResponse, instrument: Instrument, band_key: str
) -> RecordItem:
    age = access.patient.age_on(timezone.localdate())
    return file_patient_observation(
        access=access,
        actor=actor,
        raw=_observation(response, instrument, band_key),
        code_system=LOINC,
        code=instrument.loinc_total,
        # Stored words, not translated: every other imported item is stored the same way.
        display=f"{instrument.total_display} (answered by the patient)",
        category="survey",
        effective_at=response.submitted_at,
        value_number=Decimal(response.score or 0),
        value_text=band_key,
        confidential=MINOR_CONFIDENTIAL_FROM <= age < ADULT_AT,
    )


def _alert_staff(access: Access, actor: User, response: QuestionnaireResponse, instrument: Instrument) -> Thread:
    """The urgent thread that puts PHQ-9 item 9 in front of the nurse triage pool now."""
    item = instrument.safety_item or 0
    value = response.answers[str(item)]
    body = _(
        'Sent by the check-in for the visit on %(date)s. To PHQ-9 question 9, "%(question)s", the answer was '
        '"%(answer)s" (%(value)s of 3). Total score %(score)s.'
    ) % {
        "date": timezone.localtime(response.appointment.starts_at).date().isoformat(),
        "question": dict(instrument.questions())[item],
        "answer": dict(instrument.scale())[value],
        "value": value,
        "score": response.score,
    }
    return threads.thread_open_for(
        access=access,
        author=actor,
        actor=actor,
        category=Category.NEW_SYMPTOM,
        subject=_("Check-in answer needs a call today"),
        body=body,
        idempotency_key=f"questionnaire-alert-{response.pk}",
        # Urgent, to a nurse or physician: never a role whose protocol cannot close it.
        safety_flags=["suicide"],
        # A teenager's mental-health answers are hers: her caregivers never see this thread.
        confidential=threads.confidential_care(access.patient),
        now=response.submitted_at,
    )


def _written(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[tuple[str, str]]:
    """(question, the patient's own words) for each text answer of a custom questionnaire."""
    fields = questionnaire.fields.filter(kind=QuestionnaireField.Kind.TEXT).order_by("position", "pk")
    return [
        (field.label, answers[str(field.pk)])
        for field in fields
        if isinstance(answers.get(str(field.pk)), str) and answers[str(field.pk)].strip()
    ]


def _alert_words(
    access: Access, actor: User, response: QuestionnaireResponse, written: list[tuple[str, str]], flags: list[str]
) -> None:
    """Words in the answers with signs of an emergency, sent anyway: a nurse reads them now."""
    visit = timezone.localtime(response.appointment.starts_at).date().isoformat()
    lines = [
        _('Written at check-in for the visit on %(date)s, in "%(form)s".')
        % {"date": visit, "form": response.questionnaire.name}
    ]
    lines += [f'{question}: "{words}"' for question, words in written]
    threads.safety_thread_open(
        access=access,
        actor=actor,
        subject=_("Check-in answer mentions signs of an emergency"),
        body="\n\n".join(lines),
        flags=flags,
        idempotency_key=f"questionnaire-words-{response.pk}",
        now=response.submitted_at,
    )


@transaction.atomic
def response_submit(
    *,
    access: Access,
    actor: User,
    appointment: Appointment,
    questionnaire: Questionnaire,
    answers: dict[str, Any],
    confirmed_flags: Collection[str] = (),
    now: datetime | None = None,
) -> QuestionnaireResponse:
    """Save the answers to one of the appointment's questionnaires (once). The caller has checked
    that the check-in is open (scheduling.services.checkin); the form has checked each answer's
    type, and a built-in instrument's answers are checked again here, since its score is clinical.

    Text answers pass messaging's safety screen: findings not in `confirmed_flags` refuse with
    `safety.Unconfirmed` (nothing saved); confirmed, the answers are saved and an urgent thread
    puts the words in front of nurse triage now."""
    if questionnaire.pk not in {q.pk for q in questionnaires_for(appointment)}:
        raise ServiceError(_("This visit does not ask for this questionnaire."))
    written = _written(questionnaire, answers)
    flags = safety.require_confirmed(*(words for _question, words in written), confirmed=confirmed_flags)
    instrument = INSTRUMENTS.get(questionnaire.builtin)
    checked = _instrument_answers(instrument, answers) if instrument else None
    response = QuestionnaireResponse(
        appointment=appointment,
        questionnaire=questionnaire,
        patient=access.patient,
        answers=answers,
        submitted_by=actor,
        acting_as=access.acting_as,
        submitted_at=now or timezone.now(),
    )
    band_key = ""
    if instrument is not None and checked is not None:
        response.score = instrument.score(checked)
        band_key = instrument.band(response.score).key
        response.severity = band_key
        response.needs_safety_follow_up = instrument.needs_safety_follow_up(checked)
    try:
        with transaction.atomic():
            # Saved without the follow-up flag first: the flag and the alert thread (whose
            # message names this response) are set together below, as the check constraint wants.
            follow_up = response.needs_safety_follow_up
            response.needs_safety_follow_up = False
            response.save()
    except IntegrityError:
        raise ServiceError(_("These answers were already sent.")) from None
    if instrument is not None:
        response.record_item = _file_in_record(access, actor, response, instrument, band_key)
        if follow_up:
            response.needs_safety_follow_up = True
            response.alert_thread = _alert_staff(access, actor, response, instrument)
        response.save(update_fields=["record_item", "needs_safety_follow_up", "alert_thread"])
    if flags:
        _alert_words(access, actor, response, written, flags)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=response)
    return response


# The built-in instruments' rows (migration 0003 makes them; this puts them back in a database
# emptied since, e.g. by a test that flushes every table). Names as in the migration.
BUILTIN_NAMES = [
    ("phq9", "PHQ-9: mood", "PHQ-9: estado de ánimo"),
    ("gad7", "GAD-7: worry and anxiety", "GAD-7: preocupación y ansiedad"),
]


def builtin_questionnaires() -> list[Questionnaire]:
    """The shared PHQ-9 and GAD-7 rows, in that order, made if missing."""
    return [
        Questionnaire.objects.get_or_create(
            organization=None, builtin=builtin, defaults={"name": name, "name_es": name_es}
        )[0]
        for builtin, name, name_es in BUILTIN_NAMES
    ]
