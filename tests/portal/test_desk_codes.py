"""Activation codes made at the desk: printed or texted, single use, expiring, rate limited,
audited; and the attacks on them (guessing, reuse, another clinic's patient)."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

import pytest
from django.core.cache import cache
from django.test import Client

from portal.access import Action, resolve
from portal.factories import OrganizationFactory, PatientFactory, StaffMemberFactory, UserFactory
from portal.models import AuditEvent, Notice, PatientInvitation
from portal.services import invitations, outbox
from portal.services.errors import InvalidToken, ServiceError
from tests.clock import Clock
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


class RecordingSms:
    """An SMS backend that keeps what it was asked to send (as Django's locmem email backend does)."""

    sent: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, to: str, body: str) -> None:
        self.sent.append((to, body))


@pytest.fixture
def texts(settings) -> list[tuple[str, str]]:
    settings.SMS_BACKEND = "tests.portal.test_desk_codes.RecordingSms"
    RecordingSms.sent.clear()
    return RecordingSms.sent


@pytest.fixture
def unlinked(nurse):
    return PatientFactory(home_organization=nurse.organization, user=None, given_name="Quillon", phone="+15555550199")


def _desk(client: Client, nurse, patient, **data: str):
    sign_in(client, nurse.user, second_factor=True)
    return client.post(f"/staff/patients/{patient.pk}/activation-code/", {"delivery": "print", **data})


def _code_on(page: str) -> str:
    marker = 'class="desk-code__code"'
    start = page.index(">", page.index(marker)) + 1
    return page[start : page.index("<", start)].strip()


def test_a_printed_code_links_the_patients_own_account_once(client, nurse, unlinked, user) -> None:
    response = _desk(client, nurse, unlinked)
    page = response.content.decode()
    code = _code_on(page)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert len(code) == 12 and code[4] == "-" and code[9] == "-"
    invitation = PatientInvitation.objects.get()
    assert (invitation.delivery, invitation.email, invitation.created_by) == ("print", "", nurse.user)
    assert code.replace("-", "") not in invitation.token_hash  # only the hash is kept
    assert AuditEvent.objects.filter(
        actor=nurse.user, patient=unlinked, action="create", object_type="portal.PatientInvitation"
    ).exists()

    # The patient types it as they read it: lower case, spaces.
    sign_in(client, user)
    linked = client.post("/welcome/", {"code": code.lower().replace("-", " ")})
    again = Client()
    sign_in(again, UserFactory())
    reused = again.post("/welcome/", {"code": code})

    assert linked["Location"] == f"/p/{unlinked.pk}/"
    unlinked.refresh_from_db()
    assert unlinked.user == user
    assert reused.status_code == 400 and "already been used" in reused.content.decode()


def test_a_texted_code_goes_through_the_outbox_to_the_number_given_and_keeps_no_number(
    client, nurse, unlinked, texts, eager_tasks, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _desk(client, nurse, unlinked, delivery="text", phone="+15555550123")

    assert response.status_code == 302
    notice = Notice.objects.get(kind="patient_desk_code")
    assert (notice.channel, notice.user, notice.email) == ("sms", None, "")
    assert notice.sent_at is not None and notice.phone == "" and notice.link == ""
    [(to, body)] = texts
    assert to == "+15555550123"
    assert "activation code is " in body and "/activate/" in body and "Quillon" not in body
    code = body.split("activation code is ")[1].split(".")[0]
    assert invitations.invitation_for_token(code).patient == unlinked
    assert (
        AuditEvent.objects.filter(patient=unlinked, action="send", object_type="portal.PatientInvitation").count() == 1
    )


def test_a_text_needs_a_number_and_the_form_says_so(client, nurse, unlinked) -> None:
    response = _desk(client, nurse, unlinked, delivery="text", phone=" ")

    assert response.status_code == 400
    assert "Enter the patient" in response.content.decode()
    assert PatientInvitation.objects.count() == 0


def test_a_new_code_stops_the_last_one_and_codes_expire(nurse, unlinked, clock: Clock) -> None:
    access = resolve(nurse.user, unlinked, Action.PROFILE)
    _first, first = invitations.desk_code_issue(access=access, actor=nurse.user, delivery="print")
    _second, second = invitations.desk_code_issue(access=access, actor=nurse.user, delivery="print")

    with pytest.raises(InvalidToken, match="expired"):
        invitations.invitation_for_token(first)
    assert invitations.invitation_for_token(second).patient == unlinked
    clock.shift(invitations.DESK_CODE_TTL + timedelta(minutes=1))
    with pytest.raises(InvalidToken, match="expired"):
        invitations.invitation_for_token(second)


def test_guessing_is_cut_off_per_account_and_per_address(client, nurse, unlinked, user) -> None:
    access = resolve(nurse.user, unlinked, Action.PROFILE)
    _invitation, code = invitations.desk_code_issue(access=access, actor=nurse.user, delivery="print")
    sign_in(client, user)

    wrong = [client.post("/welcome/", {"code": f"AAAA-AAAA-{n:02d}"}) for n in range(invitations.FAILURES_PER_USER)]
    right_but_blocked = client.post("/welcome/", {"code": code})

    assert {response.status_code for response in wrong} == {400}
    assert right_but_blocked.status_code == 400
    assert "Too many codes were tried" in right_but_blocked.content.decode()
    unlinked.refresh_from_db()
    assert unlinked.user is None

    # Another account at the same address still has tries left, until the address's own limit.
    cache.clear()
    for n in range(invitations.FAILURES_PER_ADDRESS):
        Client().get(f"/activate/BBBB-BBBB-{n:02d}/")
    blocked = Client().get(f"/activate/{code}/")
    assert blocked.status_code == 429


def test_staff_of_another_clinic_cannot_make_a_code_and_nothing_is_written(client, unlinked) -> None:
    stranger = StaffMemberFactory(organization=OrganizationFactory())

    response = _desk(client, stranger, unlinked)

    assert response.status_code == 404
    assert PatientInvitation.objects.count() == 0
    assert Notice.objects.count() == 0


def test_a_code_links_only_its_own_patient_and_not_a_second_record(nurse, unlinked) -> None:
    other = PatientFactory(home_organization=nurse.organization, user=None)
    access = resolve(nurse.user, unlinked, Action.PROFILE)
    _invitation, code = invitations.desk_code_issue(access=access, actor=nurse.user, delivery="print")
    already = PatientFactory().user

    with pytest.raises(ServiceError, match="already linked"):
        invitations.patient_activate(token=code, user=already)
    other.refresh_from_db()
    assert other.user is None


def test_the_desk_is_rate_limited_per_patient_and_per_staff_member(nurse, unlinked) -> None:
    access = resolve(nurse.user, unlinked, Action.PROFILE)
    for _ in range(invitations.CODES_PER_PATIENT_PER_DAY):
        invitations.desk_code_issue(access=access, actor=nurse.user, delivery="print")

    with pytest.raises(ServiceError, match="many activation codes today"):
        invitations.desk_code_issue(access=access, actor=nurse.user, delivery="print")

    busy = StaffMemberFactory(organization=nurse.organization)
    patients = PatientFactory.create_batch(5, home_organization=nurse.organization, user=None)
    for n in range(invitations.CODES_PER_STAFF_PER_HOUR):
        patient = patients[n % 5]
        invitations.desk_code_issue(
            access=resolve(busy.user, patient, Action.PROFILE), actor=busy.user, delivery="print"
        )
    with pytest.raises(ServiceError, match="last hour"):
        invitations.desk_code_issue(
            access=resolve(busy.user, patients[0], Action.PROFILE), actor=busy.user, delivery="print"
        )


def test_a_patient_with_an_account_gets_no_code(nurse, patient) -> None:
    access = resolve(nurse.user, patient, Action.PROFILE)

    with pytest.raises(ServiceError, match="already has an account"):
        invitations.desk_code_issue(access=access, actor=nurse.user, delivery="print")


def test_the_outbox_texts_someone_without_an_account_only_at_the_number_given() -> None:
    from django.db import transaction

    with transaction.atomic():
        outbox.enqueue(kind="patient_desk_code", key="k", phone="+15555550100", link="/activate/X/")

    assert list(Notice.objects.values_list("user_id", "email", "phone", "channel")) == [
        (None, "", "+15555550100", "sms")
    ]
