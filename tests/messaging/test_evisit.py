"""E-visit time and billing: who counts, the bands, each exclusion, the seven days, the beat's
clamps, manual adjustment, confirmation, the panel and the report (with their query counts)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, timedelta

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from messaging.evisit_rules import short_label
from messaging.models import Category, EvisitClaim, Thread, TimeEntry
from messaging.selectors.staff_evisit import PANEL_OBJECT, REPORT_OBJECT
from messaging.services import evisit
from messaging.services.threads import thread_reply
from portal.access import Qualification, credentials_of, qualification
from portal.factories import CareTeamMembershipFactory, OrganizationFactory, StaffMemberFactory
from portal.models import AuditEvent, StaffMember, StaffRole
from portal.services.errors import ServiceError
from records.factories import RecordItemFactory
from records.models import RecordItem
from tests.conftest import sign_in
from tests.messaging.conftest import CHICAGO, MONDAY_9AM, Clinic

Code = EvisitClaim.Code
# The clinician first opens the thread an hour after the patient wrote.
REVIEW = (MONDAY_9AM + timedelta(hours=1)).astimezone(UTC)


def spend(thread: Thread, staff: StaffMember, *, minutes: int = 0, seconds: int = 0, start=REVIEW) -> None:
    """`staff` works on `thread` from `start`, in measured entries of at most 5 minutes."""
    left, at, entries = minutes * 60 + seconds, start, []
    while left > 0:
        chunk = min(left, 300)
        at += timedelta(seconds=chunk)
        entries.append(TimeEntry(thread=thread, staff=staff, source=TimeEntry.Source.ACTIVE, seconds=chunk, at=at))
        left -= chunk
    TimeEntry.objects.bulk_create(entries)


def staff(clinic: Clinic, role: str, credentials: str, organization=None) -> StaffMember:
    return StaffMemberFactory(organization=organization or clinic.organization, role=role, credentials=credentials)


def visit(clinic: Clinic, when, *, organization=None, status: str = "finished") -> RecordItem:
    return RecordItemFactory(
        patient=clinic.patient,
        source=organization or clinic.organization,
        kind=RecordItem.Kind.VISIT,
        display="Office visit",
        category="AMB",
        status=status,
        effective_at=when,
        value_number=None,
        unit="",
    )


# -- who counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "credentials", "expected"),
    [
        (StaffRole.PHYSICIAN, "MD", Qualification.PHYSICIAN_OR_APP),
        (StaffRole.PHYSICIAN, "", Qualification.PHYSICIAN_OR_APP),
        (StaffRole.NURSE, "FNP", Qualification.PHYSICIAN_OR_APP),
        (StaffRole.NURSE, "RN, APRN", Qualification.PHYSICIAN_OR_APP),
        (StaffRole.NURSE, "N.P.", Qualification.PHYSICIAN_OR_APP),
        (StaffRole.MEDICAL_ASSISTANT, "PA-C", Qualification.PHYSICIAN_OR_APP),
        (StaffRole.NURSE, "LCSW", Qualification.OTHER_PROFESSIONAL),
        (StaffRole.NURSE, "OTR/L", Qualification.OTHER_PROFESSIONAL),
        (StaffRole.NURSE, "MS, CCC-SLP", Qualification.OTHER_PROFESSIONAL),
        (StaffRole.NURSE, "PsyD", Qualification.OTHER_PROFESSIONAL),
        (StaffRole.NURSE, "RD", Qualification.OTHER_PROFESSIONAL),
        (StaffRole.NURSE, "RN", Qualification.NONE),
        (StaffRole.MEDICAL_ASSISTANT, "CMA", Qualification.NONE),
        (StaffRole.FRONT_DESK, "", Qualification.NONE),
        # The job decides first: an NP working the billing office bills no e-visit from there.
        (StaffRole.BILLING, "NP", Qualification.NONE),
        (StaffRole.ADMINISTRATOR, "MD", Qualification.NONE),
    ],
)
def test_qualification_by_job_and_credentials(role: str, credentials: str, expected: str) -> None:
    assert qualification(StaffMember(role=role, credentials=credentials)) == expected


def test_short_labels_of_codes() -> None:
    assert [short_label(code) for code in Code.values] == [
        "99421 (5-10 minutes)",
        "99422 (11-20 minutes)",
        "99423 (21 minutes or more)",
        "98970 (5-10 minutes)",
        "98971 (11-20 minutes)",
        "98972 (21 minutes or more)",
    ]


def test_credentials_are_read_whole() -> None:
    assert credentials_of("M.D., Ph.D.") == {"MD", "PHD"}
    assert credentials_of("OTR/L; CHT") == {"OTR/L", "CHT"}
    assert credentials_of("") == set()


# -- the bands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "seconds", "em_code", "other_code"),
    [
        (4, 59, "", ""),
        (5, 0, Code.CPT_99421, Code.CPT_98970),
        (10, 59, Code.CPT_99421, Code.CPT_98970),  # whole minutes completed: still 10
        (11, 0, Code.CPT_99422, Code.CPT_98971),
        (20, 0, Code.CPT_99422, Code.CPT_98971),
        (21, 0, Code.CPT_99423, Code.CPT_98972),
        (95, 0, Code.CPT_99423, Code.CPT_98972),
    ],
)
def test_bands(clinic: Clinic, minutes: int, seconds: int, em_code: str, other_code: str) -> None:
    physician_thread, social_work_thread = clinic.start(), clinic.start()
    spend(physician_thread, clinic.dr_kim, minutes=minutes, seconds=seconds)
    spend(social_work_thread, staff(clinic, StaffRole.NURSE, "LCSW"), minutes=minutes, seconds=seconds)

    for thread, code in ((physician_thread, em_code), (social_work_thread, other_code)):
        result = evisit.suggestion(thread)
        assert result.minutes == minutes
        assert result.code == code
        assert result.billable is bool(code)
        if not code:
            assert result.exclusions == (f"Under 5 minutes of clinician time ({minutes} so far): not billable.",)


def test_clinical_staff_time_does_not_count(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.nurse_ana, minutes=30)
    spend(thread, clinic.receptionist, minutes=3)
    spend(thread, clinic.dr_kim, minutes=4)

    result = evisit.suggestion(thread)

    assert (result.minutes, result.code, result.billable) == (4, "", False)
    assert result.total_seconds == 37 * 60
    assert result.uncounted_seconds == 33 * 60
    assert [c.staff for c in result.counted] == [clinic.dr_kim]


def test_time_of_the_practices_clinicians_adds_up(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=6)
    spend(thread, clinic.dr_lee, minutes=6, start=REVIEW + timedelta(days=1))

    result = evisit.suggestion(thread)

    assert (result.minutes, result.code) == (12, Code.CPT_99422)
    assert {c.staff for c in result.counted} == {clinic.dr_kim, clinic.dr_lee}


def test_a_specialist_of_another_practice_does_not_add_time(clinic: Clinic) -> None:
    specialist = staff(clinic, StaffRole.PHYSICIAN, "MD", organization=OrganizationFactory())
    CareTeamMembershipFactory(patient=clinic.patient, staff=specialist)
    thread = clinic.start()
    spend(thread, specialist, minutes=15)
    spend(thread, clinic.dr_kim, minutes=3)

    result = evisit.suggestion(thread)

    assert (result.minutes, result.code) == (3, "")
    outsider = next(c for c in result.contributors if c.staff == specialist)
    assert (outsider.same_practice, outsider.counts) == (False, False)


def test_the_two_kinds_of_codes_do_not_mix(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=3)
    spend(thread, staff(clinic, StaffRole.NURSE, "LCSW"), minutes=8)

    result = evisit.suggestion(thread)

    # 3 physician minutes bill nothing; the social worker's 8 bill 98970 on their own.
    assert (result.family, result.minutes, result.code) == (Qualification.OTHER_PROFESSIONAL, 8, Code.CPT_98970)
    assert result.uncounted_seconds == 3 * 60


def test_physician_time_is_billed_first_when_both_reach_five_minutes(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=6)
    spend(thread, staff(clinic, StaffRole.NURSE, "RD"), minutes=25)

    result = evisit.suggestion(thread)

    assert (result.family, result.minutes, result.code) == (Qualification.PHYSICIAN_OR_APP, 6, Code.CPT_99421)


# -- the seven days -----------------------------------------------------------------------------


def test_seven_days_begin_with_the_clinicians_first_review(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.nurse_ana, minutes=10, start=MONDAY_9AM)  # triage first: does not start the clock
    # In UTC: seven days are 168 hours, whatever the clinic's clocks do (they move on 8 March 2026).
    first_review = (MONDAY_9AM + timedelta(days=2)).astimezone(UTC)
    spend(thread, clinic.dr_kim, minutes=4, start=first_review)
    spend(thread, clinic.dr_kim, minutes=3, start=first_review + timedelta(days=6, hours=23))  # inside
    spend(thread, clinic.dr_kim, minutes=9, start=first_review + timedelta(days=7))  # the 8th day: outside

    result = evisit.suggestion(thread)

    assert result.period_start == first_review
    assert result.period_end == first_review + timedelta(days=7)
    assert (result.minutes, result.code) == (7, Code.CPT_99421)
    assert result.total_seconds == 26 * 60


# -- exclusions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("category", [Category.APPOINTMENT, Category.BILLING, Category.FORM_LETTER])
def test_administrative_conversations_are_not_e_visits(clinic: Clinic, category: str) -> None:
    thread = clinic.start(category=category)
    spend(thread, clinic.dr_kim, minutes=12)

    result = evisit.suggestion(thread)

    assert result.code == Code.CPT_99422
    assert result.billable is False
    assert result.exclusions == ("Scheduling, billing, forms and letters need no clinical judgement: not an e-visit.",)


@pytest.mark.parametrize("category", [Category.NEW_SYMPTOM, Category.REFILL, Category.OTHER])
def test_clinical_conversations_are_e_visits(clinic: Clinic, category: str) -> None:
    thread = clinic.start(category=category)
    spend(thread, clinic.dr_kim, minutes=12)

    assert evisit.suggestion(thread).billable is True


def test_a_test_result_question_counts_only_with_a_clinicians_reply(clinic: Clinic) -> None:
    thread = clinic.start(category=Category.TEST_RESULT)
    spend(thread, clinic.dr_kim, minutes=8)
    # A nurse passing the result on is not a clinician's evaluation.
    thread_reply(
        access=clinic.access(clinic.nurse_ana.user), actor=clinic.nurse_ana.user, thread_id=thread.pk, body="Normal."
    )
    # An internal note is not an answer to the patient either.
    thread_reply(
        access=clinic.access(clinic.dr_kim.user),
        actor=clinic.dr_kim.user,
        thread_id=thread.pk,
        body="Looks fine.",
        internal_note=True,
    )

    assert evisit.suggestion(thread).exclusions == (
        "A test result question is an e-visit only when a clinician answered it with a reply.",
    )

    thread_reply(
        access=clinic.access(clinic.dr_kim.user),
        actor=clinic.dr_kim.user,
        thread_id=thread.pk,
        body="We will repeat it.",
    )

    assert evisit.suggestion(thread).billable is True


def test_a_visit_in_the_seven_days_before_writing_excludes(clinic: Clinic) -> None:
    recent, long_ago = clinic.start(), clinic.start(now=MONDAY_9AM + timedelta(days=30))
    visit(clinic, MONDAY_9AM - timedelta(days=6, hours=23))
    visit(clinic, MONDAY_9AM - timedelta(days=3), status="cancelled")  # not held: no visit
    visit(clinic, MONDAY_9AM - timedelta(days=2), organization=OrganizationFactory())  # another practice's
    spend(recent, clinic.dr_kim, minutes=8)
    spend(long_ago, clinic.dr_kim, minutes=8, start=MONDAY_9AM + timedelta(days=30, hours=1))

    result = evisit.suggestion(recent)

    assert result.billable is False
    assert len(result.exclusions) == 1
    assert result.exclusions[0].startswith("The patient had a visit here on ")
    assert result.exclusions[0].endswith("in the 7 days before writing: that visit covers this.")
    assert evisit.suggestion(long_ago).billable is True


def test_a_visit_that_follows_within_the_seven_days_excludes(clinic: Clinic) -> None:
    soon, later = clinic.start(), clinic.start()
    spend(soon, clinic.dr_kim, minutes=8)
    visit(clinic, REVIEW + timedelta(days=3))

    assert evisit.suggestion(soon).exclusions[0].startswith("A visit followed on ")

    Thread.objects.filter(pk=later.pk).update(created_at=MONDAY_9AM - timedelta(days=20))
    later.messages.update(created_at=MONDAY_9AM - timedelta(days=20))
    spend(later, clinic.dr_kim, minutes=8, start=MONDAY_9AM - timedelta(days=20))
    # That visit came 17 days after this thread's seven days: not this e-visit's business.
    assert evisit.suggestion(Thread.objects.get(pk=later.pk)).billable is True


def test_a_thread_closed_as_needing_a_visit_excludes(clinic: Clinic) -> None:
    needs_visit, answered = clinic.start(), clinic.start()
    for thread in (needs_visit, answered):
        spend(thread, clinic.dr_kim, minutes=8)
    closed = {"status": Thread.Status.CLOSED, "closed_at": REVIEW + timedelta(days=1)}
    Thread.objects.filter(pk=needs_visit.pk).update(outcome=Thread.Outcome.NEEDS_VISIT, **closed)
    Thread.objects.filter(pk=answered.pk).update(outcome=Thread.Outcome.ANSWERED, **closed)

    assert evisit.suggestion(Thread.objects.get(pk=needs_visit.pk)).exclusions == (
        "The conversation ended with a visit for the patient: that visit covers this time.",
    )
    assert evisit.suggestion(Thread.objects.get(pk=answered.pk)).billable is True


def test_only_patient_initiated_threads(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=8)
    # As if staff had started it (no page does yet): the first message is the clinic's.
    thread.messages.update(acting_as="staff", author=clinic.dr_kim.user, author_staff=clinic.dr_kim)

    assert evisit.suggestion(thread).exclusions == (
        "The clinic started this conversation; e-visits are started by the patient.",
    )


# -- the beat -----------------------------------------------------------------------------------


def beat(clinic: Clinic, thread: Thread, person: StaffMember, seconds: int, at) -> int:
    return evisit.record_active_time(
        access=clinic.access(person.user), actor=person.user, thread_id=thread.pk, seconds=seconds, now=at
    )


def test_beats_are_clamped_to_a_minute_and_to_the_wall_clock(clinic: Clinic) -> None:
    thread = clinic.start()

    assert beat(clinic, thread, clinic.dr_kim, 200, REVIEW) == 60  # the first: at most a minute
    assert beat(clinic, thread, clinic.dr_kim, 30, REVIEW + timedelta(seconds=10)) == 10  # only 10 s passed
    assert beat(clinic, thread, clinic.dr_kim, 30, REVIEW + timedelta(seconds=10)) == 0  # a replay: nothing
    assert beat(clinic, thread, clinic.dr_kim, 30, REVIEW + timedelta(seconds=5)) == 0  # from the past: nothing
    assert beat(clinic, thread, clinic.dr_kim, 25, REVIEW + timedelta(seconds=40)) == 25
    assert beat(clinic, thread, clinic.dr_kim, 0, REVIEW + timedelta(seconds=90)) == 0
    # Another person's clock is their own.
    assert beat(clinic, thread, clinic.dr_lee, 30, REVIEW + timedelta(seconds=41)) == 30

    rows = list(TimeEntry.objects.filter(thread=thread).values_list("staff_id", "seconds", "source"))
    assert rows == [
        (clinic.dr_kim.pk, 60, "active"),
        (clinic.dr_kim.pk, 10, "active"),
        (clinic.dr_kim.pk, 25, "active"),
        (clinic.dr_lee.pk, 30, "active"),
    ]


def test_beats_write_no_audit_event(clinic: Clinic) -> None:
    thread = clinic.start()
    before = AuditEvent.objects.count()

    beat(clinic, thread, clinic.dr_kim, 30, REVIEW)

    assert AuditEvent.objects.count() == before


def test_only_staff_record_time(clinic: Clinic) -> None:
    thread = clinic.start()
    patient = clinic.patient.user

    with pytest.raises(Http404):
        evisit.record_active_time(access=clinic.access(patient), actor=patient, thread_id=thread.pk, seconds=30)
    assert TimeEntry.objects.count() == 0


def test_time_is_recorded_in_the_job_at_the_threads_practice(clinic: Clinic) -> None:
    # Dr Kim also works as a nurse somewhere else and on this patient's care team there.
    elsewhere = StaffMemberFactory(user=clinic.dr_kim.user, organization=OrganizationFactory(), role=StaffRole.NURSE)
    CareTeamMembershipFactory(patient=clinic.patient, staff=elsewhere)
    thread = clinic.start()

    beat(clinic, thread, clinic.dr_kim, 30, REVIEW)

    assert TimeEntry.objects.get().staff == clinic.dr_kim


# -- adjusting by hand --------------------------------------------------------------------------


def adjust(clinic: Clinic, thread: Thread, person: StaffMember, minutes: int, reason: str = "Phone call") -> TimeEntry:
    return evisit.adjust_time(
        access=clinic.access(person.user), actor=person.user, thread_id=thread.pk, minutes=minutes, reason=reason
    )


def test_manual_adjustment_adds_and_takes_away_never_below_zero(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=4)
    spend(thread, clinic.dr_lee, minutes=30)  # a colleague's time is not yours to take away

    added = adjust(clinic, thread, clinic.dr_kim, 8, "Called the patient back")
    assert (added.seconds, added.source, added.note) == (480, "manual", "Called the patient back")
    with pytest.raises(ServiceError) as refused:
        adjust(clinic, thread, clinic.dr_kim, -13)
    assert refused.value.field == "minutes"
    assert refused.value.message == "You have 12 minutes recorded here: you cannot take away more than that."
    adjust(clinic, thread, clinic.dr_kim, -12, "Was reading another chart")

    assert sum(TimeEntry.objects.filter(thread=thread, staff=clinic.dr_kim).values_list("seconds", flat=True)) == 0


@pytest.mark.parametrize(
    ("minutes", "reason", "field"),
    [
        (0, "Phone call", "minutes"),
        (241, "Phone call", "minutes"),
        (-241, "Phone call", "minutes"),
        (5, "  ", "reason"),
        (5, "x" * 301, "reason"),
    ],
)
def test_manual_adjustment_needs_a_reason_and_a_sane_amount(
    clinic: Clinic, minutes: int, reason: str, field: str
) -> None:
    thread = clinic.start()

    with pytest.raises(ServiceError) as refused:
        adjust(clinic, thread, clinic.dr_kim, minutes, reason)

    assert refused.value.field == field
    assert TimeEntry.objects.count() == 0


def test_manual_adjustment_is_audited(clinic: Clinic) -> None:
    thread = clinic.start()

    entry = adjust(clinic, thread, clinic.dr_kim, 5)

    event = AuditEvent.objects.get(object_type="messaging.TimeEntry")
    assert (event.action, event.object_id, event.actor, event.patient, event.acting_as) == (
        "update",
        str(entry.pk),
        clinic.dr_kim.user,
        clinic.patient,
        "staff",
    )


# -- confirming ---------------------------------------------------------------------------------


def confirm(clinic: Clinic, thread: Thread, person: StaffMember, code: str) -> EvisitClaim:
    return evisit.confirm(access=clinic.access(person.user), actor=person.user, thread_id=thread.pk, code=code)


def test_the_clinician_confirms_the_suggested_code(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=14)

    claim = confirm(clinic, thread, clinic.dr_kim, Code.CPT_99422)

    assert (claim.code, claim.minutes, claim.clinician, claim.confirmed_by) == (
        "99422",
        14,
        clinic.dr_kim,
        clinic.dr_kim.user,
    )
    assert (claim.period_start, claim.period_end) == (REVIEW, REVIEW + timedelta(days=7))
    event = AuditEvent.objects.get(object_type="messaging.EvisitClaim")
    assert (event.action, event.object_id, event.patient) == ("create", str(claim.pk), clinic.patient)
    assert evisit.suggestion(thread).claim == claim


def test_a_lower_code_may_be_confirmed_never_a_higher_or_another_kind(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=14)

    for code in (Code.CPT_99423, Code.CPT_98971):
        with pytest.raises(ServiceError) as refused:
            confirm(clinic, thread, clinic.dr_kim, code)
        assert refused.value.message == "Choose 99422 or a lower code of the same kind."
    assert confirm(clinic, thread, clinic.dr_kim, Code.CPT_99421).code == "99421"


def test_who_may_not_confirm(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=14)
    spend(thread, clinic.nurse_ana, minutes=5)
    only_rule = (
        "Only a clinician whose own time counts toward this code can confirm it: a physician, nurse practitioner "
        "or physician assistant for 99421-99423, another qualified professional for 98970-98972."
    )

    for person in (clinic.nurse_ana, clinic.dr_lee):  # a nurse; a physician who spent no time on it
        with pytest.raises(ServiceError) as refused:
            confirm(clinic, thread, person, Code.CPT_99421)
        assert refused.value.message == only_rule
    assert EvisitClaim.objects.count() == 0


def test_an_excluded_thread_cannot_be_confirmed(clinic: Clinic) -> None:
    thread = clinic.start(category=Category.BILLING)
    spend(thread, clinic.dr_kim, minutes=14)

    with pytest.raises(ServiceError) as refused:
        confirm(clinic, thread, clinic.dr_kim, Code.CPT_99421)

    assert refused.value.message == (
        "Not billable: Scheduling, billing, forms and letters need no clinical judgement: not an e-visit."
    )
    assert EvisitClaim.objects.count() == 0


def test_confirmed_once(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=14)
    spend(thread, clinic.dr_lee, minutes=2)
    confirm(clinic, thread, clinic.dr_kim, Code.CPT_99422)
    spend(thread, clinic.dr_lee, minutes=10, start=REVIEW + timedelta(days=1))  # later time changes no claim

    with pytest.raises(ServiceError) as refused:
        confirm(clinic, thread, clinic.dr_lee, Code.CPT_99423)

    assert refused.value.message.startswith("Already confirmed: 99422 by Grace Kim, MD on ")
    assert EvisitClaim.objects.get().minutes == 16  # both doctors' time then, not Dr Lee's since


# -- pages --------------------------------------------------------------------------------------


def staff_client(person: StaffMember) -> Client:
    return sign_in(Client(), person.user, second_factor=True)


def test_the_beat_endpoint(clinic: Clinic) -> None:
    thread = clinic.start()
    client = staff_client(clinic.dr_kim)
    url = reverse("evisit_time", args=[thread.pk])

    assert client.post(url, {"seconds": "30"}).status_code == 204
    assert client.post(url, {"seconds": "many"}).status_code == 400
    assert client.post(url, {"seconds": "-5"}).status_code == 400
    assert client.get(url).status_code == 405
    assert list(TimeEntry.objects.values_list("seconds", flat=True)) == [30]


def test_the_beat_needs_the_csrf_token(clinic: Clinic) -> None:
    thread = clinic.start()
    client = sign_in(Client(enforce_csrf_checks=True), clinic.dr_kim.user, second_factor=True)

    response = client.post(reverse("evisit_time", args=[thread.pk]), {"seconds": "30"})

    assert response.status_code == 403
    assert TimeEntry.objects.count() == 0


def test_the_panel_as_a_partial_and_as_a_page(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=14)
    spend(thread, clinic.nurse_ana, minutes=3)
    client = staff_client(clinic.dr_kim)
    url = reverse("evisit_panel", args=[thread.pk])

    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    page = client.get(url).content.decode()

    assert "<html" not in partial
    assert 'data-evisit-url="{}"'.format(reverse("evisit_time", args=[thread.pk])) in partial
    assert "99422: physician or other qualified professional, 11-20 minutes" in partial
    assert "17 min 0 s" in partial  # everyone's time
    assert "14 min 0 s" in partial  # mine
    assert "Confirm e-visit" in partial
    assert "<html" in page and "js/evisit.js" in page and "Rash on my arm" in page


def test_the_panel_is_audited_once_in_ten_minutes(clinic: Clinic) -> None:
    thread = clinic.start()
    client = staff_client(clinic.dr_kim)
    url = reverse("evisit_panel", args=[thread.pk])

    client.get(url)
    client.get(url, headers={"HX-Request": "true"})

    event = AuditEvent.objects.get(object_type=PANEL_OBJECT)
    assert (event.action, event.object_id, event.actor, event.patient) == (
        "view",
        str(thread.pk),
        clinic.dr_kim.user,
        clinic.patient,
    )


def test_the_panel_query_count(clinic: Clinic, django_assert_num_queries) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=14)
    spend(thread, clinic.nurse_ana, minutes=3)
    client = staff_client(clinic.dr_kim)
    url = reverse("evisit_panel", args=[thread.pk])
    client.get(url, headers={"HX-Request": "true"})  # the session warmed, the audit written

    with django_assert_num_queries(20):
        client.get(url, headers={"HX-Request": "true"})


def test_adjusting_through_the_panel_keeps_what_was_typed(clinic: Clinic) -> None:
    thread = clinic.start()
    client = staff_client(clinic.dr_kim)
    url = reverse("evisit_adjust", args=[thread.pk])

    refused = client.post(url, {"minutes": "-5", "reason": "Too much counted"}, headers={"HX-Request": "true"})
    done = client.post(url, {"minutes": "6", "reason": "Phone call"}, headers={"HX-Request": "true"})
    plain = client.post(url, {"minutes": "", "reason": "Forgot the number"})

    assert refused.status_code == 200
    text = refused.content.decode()
    assert "You have 0 minutes recorded here: you cannot take away more than that." in text
    assert 'value="Too much counted"' in text and 'value="-5"' in text
    assert "Added 6 minutes to your time." in done.content.decode()
    assert plain.status_code == 400 and 'value="Forgot the number"' in plain.content.decode()
    assert list(TimeEntry.objects.values_list("seconds", flat=True)) == [360]


def test_adjusting_without_javascript_goes_back(clinic: Clinic) -> None:
    thread = clinic.start()
    client = staff_client(clinic.dr_kim)

    response = client.post(
        reverse("evisit_adjust", args=[thread.pk]),
        {"minutes": "6", "reason": "Phone call", "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("evisit_panel", args=[thread.pk])

    back = client.post(
        reverse("evisit_adjust", args=[thread.pk]),
        {"minutes": "2", "reason": "Chart review", "next": f"/staff/messaging/{thread.pk}/"},
    )
    assert back["Location"] == f"/staff/messaging/{thread.pk}/"


def test_confirming_through_the_panel(clinic: Clinic) -> None:
    thread = clinic.start()
    spend(thread, clinic.dr_kim, minutes=14)
    client = staff_client(clinic.dr_kim)
    url = reverse("evisit_confirm", args=[thread.pk])

    refused = client.post(url, {"code": "99423"}, headers={"HX-Request": "true"}).content.decode()
    done = client.post(url, {"code": "99422"}, headers={"HX-Request": "true"}).content.decode()

    assert "Choose 99422 or a lower code of the same kind." in refused
    assert "Confirmed e-visit 99422 (14 minutes)." in done
    assert "Confirmed: 99422: physician or other qualified professional, 11-20 minutes" in done
    assert "Confirm e-visit</button>" not in done


# -- the report ---------------------------------------------------------------------------------


@pytest.fixture
def billing(clinic: Clinic) -> StaffMember:
    return StaffMemberFactory(organization=clinic.organization, role=StaffRole.BILLING, credentials="")


def billable_threads(clinic: Clinic, count: int) -> list[Thread]:
    threads = [clinic.start(now=MONDAY_9AM + timedelta(minutes=n)) for n in range(count)]
    for n, thread in enumerate(threads):
        spend(thread, clinic.dr_kim if n % 2 else clinic.dr_lee, minutes=6 + 5 * n)
    return threads


REPORT_DATES = {"since": "2026-03-01", "until": "2026-03-31"}


def test_billing_sees_the_practice_and_clinicians_their_own(clinic: Clinic, billing: StaffMember) -> None:
    threads = billable_threads(clinic, 4)  # 6, 11, 16, 21 minutes: Lee, Kim, Lee, Kim
    confirm(clinic, threads[1], clinic.dr_kim, Code.CPT_99422)
    excluded = clinic.start(category=Category.APPOINTMENT)
    spend(excluded, clinic.dr_kim, minutes=30)
    url = reverse("evisit_report")

    whole = staff_client(billing).get(url, REPORT_DATES)
    own = staff_client(clinic.dr_kim).get(url, REPORT_DATES)

    assert [row.thread for row in whole.context["report"].rows] == threads
    assert whole.context["report"].totals == [("99421", 1, 0), ("99422", 1, 1), ("99423", 1, 0)]
    assert [row.thread for row in own.context["report"].rows] == [threads[1], threads[3]]
    assert own.context["form"].fields["clinician"].choices == [(clinic.dr_kim.pk, "Grace Kim, MD")]
    assert whole.context["form"].fields["clinician"].choices == [
        ("", "Everyone"),
        (clinic.dr_kim.pk, "Grace Kim, MD"),
        (clinic.dr_lee.pk, "Sam Lee, MD"),
    ]
    events = AuditEvent.objects.filter(object_type=REPORT_OBJECT)
    assert events.filter(actor=billing.user).count() == 4
    assert events.filter(actor=clinic.dr_kim.user).count() == 2


def test_report_filters(clinic: Clinic, billing: StaffMember) -> None:
    threads = billable_threads(clinic, 4)
    confirm(clinic, threads[1], clinic.dr_kim, Code.CPT_99422)
    client, url = staff_client(billing), reverse("evisit_report")

    def rows(**query: str) -> list[Thread]:
        return [row.thread for row in client.get(url, {**REPORT_DATES, **query}).context["report"].rows]

    assert rows(status="confirmed") == [threads[1]]
    assert rows(status="suggested") == [threads[0], threads[2], threads[3]]
    assert rows(clinician=str(clinic.dr_lee.pk)) == [threads[0], threads[2]]
    assert rows(since="2026-03-03") == []
    assert rows(since="2026-03-02", until="2026-03-02") == threads


def test_report_refuses_bad_dates(clinic: Clinic, billing: StaffMember) -> None:
    response = staff_client(billing).get(reverse("evisit_report"), {"since": "2026-03-31", "until": "2026-03-01"})

    assert response.status_code == 400
    assert "Choose an end date after the start date." in response.content.decode()


def test_report_as_csv(clinic: Clinic, billing: StaffMember) -> None:
    threads = billable_threads(clinic, 2)
    claim = confirm(clinic, threads[1], clinic.dr_kim, Code.CPT_99422)

    response = staff_client(billing).get(reverse("evisit_report"), {**REPORT_DATES, "format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="evisits-2026-03-01-2026-03-31.csv"'
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    name = f"{clinic.patient.family_name}, {clinic.patient.given_name}"
    assert lines == [
        [
            "period_start",
            "period_end",
            "patient",
            "mrn",
            "thread",
            "category",
            "clinician",
            "minutes",
            "code",
            "status",
            "confirmed_at",
        ],
        [
            "2026-03-02",
            "2026-03-09",
            name,
            clinic.patient.mrn,
            str(threads[0].pk),
            "new_symptom",
            "Sam Lee, MD",
            "6",
            "99421",
            "suggested",
            "",
        ],
        [
            "2026-03-02",
            "2026-03-09",
            name,
            clinic.patient.mrn,
            str(threads[1].pk),
            "new_symptom",
            "Grace Kim, MD",
            "11",
            "99422",
            "confirmed",
            claim.confirmed_at.astimezone(CHICAGO).isoformat(timespec="minutes"),
        ],
    ]
    assert AuditEvent.objects.filter(object_type=REPORT_OBJECT, action="download").count() == 2


@pytest.mark.parametrize("role", [StaffRole.NURSE, StaffRole.FRONT_DESK, StaffRole.ADMINISTRATOR])
def test_report_is_not_for_other_staff(clinic: Clinic, role: str) -> None:
    person = StaffMemberFactory(
        organization=clinic.organization, role=role, credentials="RN" if role == StaffRole.NURSE else ""
    )

    assert staff_client(person).get(reverse("evisit_report")).status_code == 404


def test_report_query_count_does_not_grow_with_rows(
    clinic: Clinic, billing: StaffMember, django_assert_num_queries
) -> None:
    client, url = staff_client(billing), reverse("evisit_report")
    billable_threads(clinic, 2)
    client.get(url, REPORT_DATES)  # the session warmed

    with django_assert_num_queries(19):
        assert len(client.get(url, REPORT_DATES).context["report"].rows) == 2
    billable_threads(clinic, 6)
    with django_assert_num_queries(19):
        assert len(client.get(url, REPORT_DATES).context["report"].rows) == 8
