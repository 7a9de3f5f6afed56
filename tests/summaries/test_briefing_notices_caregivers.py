"""The briefing notice for caregivers: their own opt-in for each person they help (with the records
scope), by their own channels and quiet hours, at most one a day per person, naming no one and
nothing clinical, with a signed link that opens that person's briefing (recorded as from the
notice); a teen's parent is never told of news that derives only from a confidential item."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from portal.factories import PatientFactory, ProxyGrantFactory, born_years_ago
from portal.models import Notice, ProxyGrant, Scope
from portal.services import proxies
from records.factories import RecordItemFactory
from summaries.models import BriefingOpen
from summaries.services import notices, refresh
from tests.clock import CLINIC_ZONE, Clock
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
CAREGIVER = notices.CAREGIVER_KIND


def _caring(patient: Any, *, opted_in: bool = True, scopes: list[str] | None = None, **fields: Any) -> ProxyGrant:
    grant = ProxyGrantFactory(
        patient=patient, scopes=scopes or [Scope.RECORDS], notify_briefing=opted_in, relationship="son", **fields
    )
    return grant


def _built(patient: Any) -> Any:
    refresh.rebuild(patient.pk)  # the first build is everything, never news
    return patient


# A test's LOINC code by name: one result from two sources on one day reads once (the same code).
CODES = {"Potassium": "2823-3", "Sodium": "2951-2", "Chloride": "2075-0", "Chlamydia NAAT": "43304-5"}


def _new_result(patient: Any, display: str = "Potassium", **fields: Any) -> None:
    RecordItemFactory(
        patient=patient, display=display, code=CODES[display], value_number=Decimal("6.2"), unit="mmol/L", **fields
    )


def _rebuild(patient: Any, capture: Any) -> None:
    with capture(execute=True):
        refresh.rebuild(patient.pk)


def test_an_opted_in_caregiver_is_told_without_a_name_or_clinical_words(
    eager_tasks, django_capture_on_commit_callbacks
) -> None:
    patient = _built(PatientFactory(given_name="Quillon"))
    grant = _caring(patient)
    _new_result(patient)

    _rebuild(patient, django_capture_on_commit_callbacks)

    [email] = mail.outbox
    assert email.to == [grant.grantee.email]
    assert email.subject == "Something new for someone you help"
    assert "/b/" in email.body
    for private in ("Potassium", "6.2", "Quillon", patient.family_name, patient.home_organization.name):
        assert private not in email.body and private not in email.subject
    notice = Notice.objects.get()
    assert (notice.kind, notice.user, notice.patient, notice.channel) == (CAREGIVER, grant.grantee, patient, "email")


def test_no_notice_without_the_caregivers_opt_in_or_without_the_records_scope(
    eager_tasks, django_capture_on_commit_callbacks
) -> None:
    patient = _built(PatientFactory())
    _caring(patient, opted_in=False)
    _caring(patient, scopes=[Scope.MESSAGING, Scope.SCHEDULING])
    _caring(patient, status=ProxyGrant.Status.REVOKED, accepted_at=None, grantee=None)
    _new_result(patient)

    _rebuild(patient, django_capture_on_commit_callbacks)

    assert (Notice.objects.count(), len(mail.outbox)) == (0, 0)


def test_the_patient_and_the_caregiver_are_told_each_by_their_own_choice(
    eager_tasks, django_capture_on_commit_callbacks
) -> None:
    patient = _built(PatientFactory())
    patient.user.notify_briefing = True
    patient.user.save(update_fields=["notify_briefing"])
    grant = _caring(patient)
    _new_result(patient)

    _rebuild(patient, django_capture_on_commit_callbacks)

    assert sorted(Notice.objects.values_list("kind", "user_id")) == sorted(
        [("briefing_new", patient.user_id), (CAREGIVER, grant.grantee_id)]
    )


def test_a_teens_parent_is_not_told_of_news_from_a_confidential_item_only(
    eager_tasks, django_capture_on_commit_callbacks
) -> None:
    teen = _built(PatientFactory(birth_date=born_years_ago(15)))
    teen.user.notify_briefing = True
    teen.user.save(update_fields=["notify_briefing"])
    parent = _caring(teen, is_guardian=True, scopes=list(Scope.values))
    _new_result(teen, "Chlamydia NAAT", confidential=True)

    _rebuild(teen, django_capture_on_commit_callbacks)
    told_of_the_secret = list(Notice.objects.values_list("kind", flat=True))
    _new_result(teen, "Sodium")
    _rebuild(teen, django_capture_on_commit_callbacks)

    assert told_of_the_secret == ["briefing_new"]  # the teen, not the parent
    assert Notice.objects.filter(kind=CAREGIVER, user=parent.grantee).count() == 1


def test_at_most_one_a_day_for_each_person_helped(
    clock: Clock, eager_tasks, django_capture_on_commit_callbacks
) -> None:
    mother, father = _built(PatientFactory()), _built(PatientFactory())
    grant = _caring(mother)
    _caring(father, grantee=grant.grantee)

    _new_result(mother, "Potassium")
    _new_result(father, "Potassium")
    _rebuild(mother, django_capture_on_commit_callbacks)
    _rebuild(father, django_capture_on_commit_callbacks)
    clock.shift(timedelta(hours=3))
    _new_result(mother, "Sodium")
    _rebuild(mother, django_capture_on_commit_callbacks)
    same_day = Notice.objects.filter(kind=CAREGIVER).count()
    clock.shift(timedelta(days=1))
    _new_result(mother, "Chloride")
    _rebuild(mother, django_capture_on_commit_callbacks)

    assert same_day == 2  # one for each person, not one for each change
    assert Notice.objects.filter(kind=CAREGIVER, patient=mother).count() == 2
    assert len(mail.outbox) == 3


def test_a_caregivers_text_keeps_to_their_channels_and_waits_out_quiet_hours(clock: Clock) -> None:
    patient = _built(PatientFactory())
    carer = _caring(patient).grantee
    carer.phone, carer.notify_by_sms, carer.notify_by_email = "+15555550100", True, False
    carer.save(update_fields=["phone", "notify_by_sms", "notify_by_email"])
    clock.move_to(datetime(2026, 12, 9, 22, 15, tzinfo=CLINIC_ZONE))

    notices.notify_new_lines(patient.pk, found=[["records", False]])

    notice = Notice.objects.get(kind=CAREGIVER)
    assert (notice.user, notice.channel, notice.sent_at) == (carer, "sms", None)
    assert notice.due_at == datetime(2026, 12, 10, 8, 0, tzinfo=CLINIC_ZONE)
    words = notices.caregiver_words(notice)
    assert patient.given_name not in words.sms and "/b/" in words.sms


def test_a_task_from_before_caregiver_notices_tells_only_the_patient() -> None:
    patient = _built(PatientFactory())
    patient.user.notify_briefing = True
    patient.user.save(update_fields=["notify_briefing"])
    _caring(patient)

    notices.notify_new_lines(patient.pk)

    assert list(Notice.objects.values_list("kind", flat=True)) == ["briefing_new"]


def test_the_caregivers_link_opens_that_persons_briefing_recorded_as_from_the_notice(client: Client) -> None:
    patient = _built(PatientFactory())
    grant = _caring(patient)
    link = notices.link_path(patient_id=patient.pk, user_id=grant.grantee_id)
    sign_in(client, grant.grantee)

    opened = client.get(link)
    home = client.get(opened["Location"])

    assert opened["Location"] == f"/p/{patient.pk}/"
    assert home.status_code == 200
    opening = BriefingOpen.objects.get()
    assert (opening.user, opening.patient) == (grant.grantee, patient)
    assert (opening.acting_as, opening.via) == ("proxy", "notice")


def test_a_link_whose_access_ended_opens_the_caregivers_own_home(client: Client) -> None:
    patient = _built(PatientFactory())
    grant = _caring(patient)
    link = notices.link_path(patient_id=patient.pk, user_id=grant.grantee_id)
    ProxyGrant.objects.filter(pk=grant.pk).update(status=ProxyGrant.Status.REVOKED)
    sign_in(client, grant.grantee)

    response = client.get(link)

    assert response["Location"] == "/"
    assert BriefingOpen.objects.count() == 0


def test_the_account_page_offers_the_choice_per_person_with_the_records_scope(client: Client) -> None:
    reads = _caring(PatientFactory(given_name="Ada"), opted_in=False)
    books = _caring(PatientFactory(given_name="Bea"), opted_in=False, grantee=reads.grantee, scopes=[Scope.SCHEDULING])
    someone_elses = _caring(PatientFactory(given_name="Cy"), opted_in=False)
    sign_in(client, reads.grantee)

    page = client.get("/account/").content.decode()
    refused = client.post("/account/helping/", {"notify": [reads.pk, someone_elses.pk]})
    refused_on = ProxyGrant.objects.filter(notify_briefing=True).count()
    saved = client.post("/account/helping/", {"notify": [reads.pk]})

    assert 'name="notify"' in page and f'value="{reads.pk}"' in page
    assert 'name="notify_briefing"' not in page  # no briefing of their own to be told about
    assert f'value="{books.pk}"' not in page
    assert (refused["Location"], refused_on) == ("/account/", 0)
    assert saved["Location"] == "/account/"
    assert list(ProxyGrant.objects.filter(notify_briefing=True)) == [reads]
    client.post("/account/helping/", {})
    assert ProxyGrant.objects.filter(notify_briefing=True).count() == 0


def test_the_service_changes_only_the_callers_own_grants_with_the_records_scope() -> None:
    mine = _caring(PatientFactory(), opted_in=False)
    theirs = _caring(PatientFactory(), opted_in=True)

    on = proxies.proxy_set_briefing_notices(user=mine.grantee, grant_ids={mine.pk, theirs.pk})

    assert on == 1
    assert set(ProxyGrant.objects.filter(notify_briefing=True)) == {mine, theirs}
