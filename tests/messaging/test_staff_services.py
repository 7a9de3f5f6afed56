"""Staff services: escalating to a physician, closing with an outcome under the role protocols."""

from __future__ import annotations

import pytest
from django.http import Http404

from messaging import notifications, protocols
from messaging.models import Category, OwnershipChange, Pool, SetupAlert, Thread
from messaging.services.threads import thread_close, thread_escalate, thread_reopen
from portal.factories import CareTeamMembershipFactory, StaffMemberFactory
from portal.models import AuditEvent, Notice, StaffRole
from portal.services.errors import InvalidTransition, ServiceError
from tests.messaging.conftest import Clinic, at

pytestmark = pytest.mark.django_db

Outcome = Thread.Outcome
URGENT = Thread.Urgency.URGENT


def escalate(clinic: Clinic, thread: Thread, user=None, note: str = "Rash spreading, needs a physician.") -> Thread:
    user = user or clinic.nurse_ana.user
    return thread_escalate(
        access=clinic.access(user), actor=user, thread_id=thread.pk, note=note, now=at(2026, 3, 2, 10)
    )


def close(clinic: Clinic, thread: Thread, user, outcome: str) -> Thread:
    return thread_close(access=clinic.access(user), actor=user, thread_id=thread.pk, outcome=outcome)


# -- escalation ------------------------------------------------------------------------------------------


def test_escalating_moves_the_thread_to_the_primary_care_physician_and_keeps_the_answer_time(
    clinic: Clinic, django_capture_on_commit_callbacks
) -> None:
    CareTeamMembershipFactory(patient=clinic.patient, staff=clinic.dr_lee, is_primary=True)
    thread = clinic.start()
    due, from_owner = thread.first_response_due_at, thread.owner

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        escalated = escalate(clinic, thread)

    thread.refresh_from_db()
    assert (thread.pool, thread.owner, thread.owner_reason, thread.first_response_due_at, escalated.pk) == (
        clinic.physicians,
        clinic.dr_lee,
        Thread.OwnerReason.ESCALATED,
        due,
        thread.pk,
    )
    change = OwnershipChange.objects.filter(thread=thread).latest("at", "pk")
    assert (
        change.from_owner,
        change.to_owner,
        change.reason,
        change.from_pool,
        change.to_pool,
        change.note,
        change.changed_by,
        change.at,
    ) == (
        from_owner,
        clinic.dr_lee,
        Thread.OwnerReason.ESCALATED,
        clinic.triage,
        clinic.physicians,
        "Rash spreading, needs a physician.",
        clinic.nurse_ana.user,
        at(2026, 3, 2, 10),
    )
    event = AuditEvent.objects.filter(actor=clinic.nurse_ana.user).get()
    assert (event.action, event.object_type, event.object_id) == (
        AuditEvent.Action.UPDATE,
        "messaging.Thread",
        str(thread.pk),
    )
    # The new owner hears of it in the portal: a notice row written with the change.
    notice = Notice.objects.filter(target_id=thread.pk, kind=notifications.Kind.ASSIGNED).get()
    assert (notice.user, notice.channel) == (clinic.dr_lee.user, Notice.Channel.IN_APP)
    assert callbacks == []  # in-app notices need no delivery after commit


def test_without_a_primary_care_physician_in_the_pool_the_least_busy_physician_gets_it(clinic: Clinic) -> None:
    CareTeamMembershipFactory(patient=clinic.patient, staff=clinic.nurse_ben, is_primary=True)  # not a physician
    busy = clinic.start(category=Category.TEST_RESULT)  # routed to the physicians' pool
    assert busy.owner == clinic.dr_kim  # both had none waiting: the lower id
    thread = clinic.start()

    escalate(clinic, thread)

    thread.refresh_from_db()
    assert (thread.owner, thread.owner_reason) == (clinic.dr_lee, Thread.OwnerReason.ESCALATED)


def test_escalating_to_a_physician_pool_nobody_staffs_raises_an_alert(clinic: Clinic) -> None:
    clinic.physicians.members.clear()
    thread = clinic.start()

    escalate(clinic, thread)

    thread.refresh_from_db()
    assert (thread.pool, thread.owner) == (clinic.physicians, clinic.dr_kim)  # the lead
    assert set(SetupAlert.objects.filter(thread=thread).values_list("kind", flat=True)) == {
        SetupAlert.Kind.UNSTAFFED_POOL
    }


def test_escalating_needs_a_physician_pool(clinic: Clinic) -> None:
    thread = clinic.start()
    Thread.objects.filter(pool=clinic.physicians).delete()
    clinic.physicians.routing_rules.all().delete()
    Pool.objects.filter(pk=clinic.physicians.pk).update(kind=Pool.Kind.SCHEDULING)

    with pytest.raises(ServiceError) as refused:
        escalate(clinic, thread)

    assert "no physician inbox" in refused.value.message
    assert OwnershipChange.objects.filter(thread=thread).count() == 1  # only the routing


@pytest.mark.parametrize(
    ("note", "field"),
    [("   ", "note"), ("x" * 1001, "note")],
)
def test_escalating_needs_a_reason(clinic: Clinic, note: str, field: str) -> None:
    thread = clinic.start()

    with pytest.raises(ServiceError) as refused:
        escalate(clinic, thread, note=note)

    assert refused.value.field == field


def test_a_thread_already_with_the_physicians_is_passed_on_instead(clinic: Clinic) -> None:
    thread = clinic.start(category=Category.TEST_RESULT)

    with pytest.raises(ServiceError, match="already in the physician inbox"):
        escalate(clinic, thread)


def test_a_closed_thread_is_not_escalated(clinic: Clinic) -> None:
    thread = clinic.start()
    close(clinic, thread, clinic.nurse_ana.user, Outcome.ANSWERED)

    with pytest.raises(InvalidTransition):
        escalate(clinic, thread)


def test_the_patient_cannot_escalate(clinic: Clinic) -> None:
    thread = clinic.start()

    with pytest.raises(Http404):
        escalate(clinic, thread, user=clinic.patient.user)


# -- closing with an outcome ---------------------------------------------------------------------------------


def test_staff_close_with_an_outcome_and_reopening_clears_it(clinic: Clinic) -> None:
    thread = clinic.start()

    closed = close(clinic, thread, clinic.nurse_ana.user, Outcome.NEEDS_VISIT)
    assert (closed.status, closed.outcome) == (Thread.Status.CLOSED, Outcome.NEEDS_VISIT)

    reopened = thread_reopen(
        access=clinic.access(clinic.nurse_ana.user), actor=clinic.nurse_ana.user, thread_id=thread.pk
    )
    thread.refresh_from_db()
    assert (reopened.status, thread.outcome, thread.closed_at) == (Thread.Status.OPEN, "", None)


def test_staff_must_say_how_it_ended(clinic: Clinic) -> None:
    thread = clinic.start()

    for outcome in ("", "solved"):
        with pytest.raises(ServiceError) as refused:
            close(clinic, thread, clinic.nurse_ana.user, outcome)
        assert refused.value.field == "outcome"
    thread.refresh_from_db()
    assert thread.status == Thread.Status.OPEN


def test_the_patient_never_gives_an_outcome(clinic: Clinic) -> None:
    thread = clinic.start()

    with pytest.raises(Http404):
        close(clinic, thread, clinic.patient.user, Outcome.ANSWERED)
    closed = close(clinic, thread, clinic.patient.user, "")

    assert (closed.status, closed.outcome) == (Thread.Status.CLOSED, "")


def test_front_desk_cannot_close_a_new_symptom(clinic: Clinic) -> None:
    thread = clinic.start()

    with pytest.raises(ServiceError) as refused:
        close(clinic, thread, clinic.receptionist.user, Outcome.ANSWERED)

    assert refused.value.message == (
        "Your role can't close a message about \u201cNew symptom or health problem\u201d: "
        "escalate it or pass it to nurse triage."
    )
    thread.refresh_from_db()
    assert (thread.status, thread.outcome) == (Thread.Status.OPEN, "")
    assert AuditEvent.objects.filter(actor=clinic.receptionist.user).count() == 0


def test_front_desk_closes_an_appointment_question(clinic: Clinic) -> None:
    thread = clinic.start(category=Category.APPOINTMENT)

    closed = close(clinic, thread, clinic.receptionist.user, Outcome.ANSWERED)

    assert (closed.status, closed.outcome) == (Thread.Status.CLOSED, Outcome.ANSWERED)


def test_a_nurse_closes_an_urgent_thread_only_by_sending_the_patient_to_care(clinic: Clinic) -> None:
    thread = clinic.start(urgency=URGENT)

    with pytest.raises(ServiceError, match="urgent: your role may close it only as"):
        close(clinic, thread, clinic.nurse_ana.user, Outcome.ANSWERED)
    closed = close(clinic, thread, clinic.nurse_ana.user, Outcome.EMERGENCY)

    assert closed.outcome == Outcome.EMERGENCY


def test_a_physician_closes_an_urgent_thread_as_answered(clinic: Clinic) -> None:
    thread = clinic.start(urgency=URGENT)

    assert close(clinic, thread, clinic.dr_kim.user, Outcome.ANSWERED).outcome == Outcome.ANSWERED


def test_a_medical_assistant_handles_refills_but_not_symptoms(clinic: Clinic) -> None:
    assistant = StaffMemberFactory(organization=clinic.organization, role=StaffRole.MEDICAL_ASSISTANT).user
    refill = clinic.start(category=Category.REFILL)
    symptom = clinic.start()

    assert close(clinic, refill, assistant, Outcome.REFILL_HANDLED).outcome == Outcome.REFILL_HANDLED
    with pytest.raises(ServiceError, match="pass it to nurse triage"):
        close(clinic, symptom, assistant, Outcome.ANSWERED)


def test_refill_handled_only_closes_a_refill(clinic: Clinic) -> None:
    thread = clinic.start(category=Category.APPOINTMENT)

    with pytest.raises(ServiceError, match="only closes a refill request"):
        close(clinic, thread, clinic.dr_kim.user, Outcome.REFILL_HANDLED)


def test_any_of_a_persons_roles_at_the_clinic_may_resolve(clinic: Clinic) -> None:
    # Jordan also works as a nurse at the same clinic: the nurse protocol applies too.
    StaffMemberFactory(user=clinic.receptionist.user, organization=clinic.organization, role=StaffRole.NURSE)
    thread = clinic.start()

    assert close(clinic, thread, clinic.receptionist.user, Outcome.ANSWERED).outcome == Outcome.ANSWERED


# -- the table itself ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "category", "urgency", "outcomes"),
    [
        (StaffRole.PHYSICIAN, Category.NEW_SYMPTOM, URGENT, [Outcome.ANSWERED, Outcome.NEEDS_VISIT, Outcome.EMERGENCY]),
        (StaffRole.NURSE, Category.NEW_SYMPTOM, URGENT, [Outcome.NEEDS_VISIT, Outcome.EMERGENCY]),
        (StaffRole.NURSE, Category.REFILL, "normal", list(Outcome.values)),
        (StaffRole.MEDICAL_ASSISTANT, Category.REFILL, URGENT, []),
        (
            StaffRole.MEDICAL_ASSISTANT,
            Category.FORM_LETTER,
            "normal",
            [Outcome.ANSWERED, Outcome.NEEDS_VISIT, Outcome.EMERGENCY],
        ),
        (StaffRole.FRONT_DESK, Category.TEST_RESULT, "normal", []),
        (StaffRole.BILLING, Category.BILLING, "normal", [Outcome.ANSWERED, Outcome.NEEDS_VISIT, Outcome.EMERGENCY]),
        (StaffRole.BILLING, Category.APPOINTMENT, "normal", []),
        (StaffRole.ADMINISTRATOR, Category.OTHER, "normal", []),
    ],
)
def test_protocol_table(role: str, category: str, urgency: str, outcomes: list[str]) -> None:
    assert protocols.allowed_outcomes([role], category=category, urgency=urgency) == outcomes


def test_the_page_explains_each_of_a_persons_roles_once_in_table_order() -> None:
    sentences = protocols.summaries([StaffRole.FRONT_DESK, StaffRole.NURSE, StaffRole.FRONT_DESK])

    assert [str(sentence).split(" may ")[0] for sentence in sentences] == ["Nurses", "Front desk"]
