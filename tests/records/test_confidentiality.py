"""Staff mark items confidential; a teen's caregivers then never see them or their trace."""

from __future__ import annotations

import pytest

from portal.factories import PatientFactory, ProxyGrantFactory, StaffMemberFactory, born_years_ago
from portal.models import AuditEvent, Scope
from records.factories import RecordItemFactory
from records.models import RecordItem
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _teen_problem():
    teen = PatientFactory(birth_date=born_years_ago(16))
    item = RecordItemFactory(
        patient=teen, source=teen.home_organization, kind=RecordItem.Kind.PROBLEM, display="Private matter"
    )
    return teen, item


def test_staff_mark_an_item_confidential_and_the_guardian_no_longer_sees_it(client) -> None:
    teen, item = _teen_problem()
    nurse = StaffMemberFactory(organization=teen.home_organization).user
    guardian = ProxyGrantFactory(patient=teen, scopes=[Scope.RECORDS], is_guardian=True).grantee
    sign_in(client, nurse, second_factor=True)

    response = client.post(
        f"/p/{teen.pk}/record/items/{item.pk}/confidential/", {"confidential": "1", "reason": "Asked by the patient."}
    )
    client.logout()
    sign_in(client, guardian)
    page = client.get(f"/p/{teen.pk}/record/problems/").content.decode()
    activity = client.get(f"/api/v1/patients/{teen.pk}/activity/").json()["results"]

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.confidential is True
    assert "Private matter" not in page
    marking = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_id=str(item.pk))
    assert marking.confidential is True
    assert marking.pk not in [event["id"] for event in activity]


def test_a_patient_or_proxy_cannot_mark_anything(client) -> None:
    teen, item = _teen_problem()

    sign_in(client, teen.user)
    response = client.post(
        f"/p/{teen.pk}/record/items/{item.pk}/confidential/", {"confidential": "1", "reason": "Mine to hide."}
    )

    assert response.status_code == 404
    item.refresh_from_db()
    assert item.confidential is False


def test_the_mark_button_shows_only_to_staff(client) -> None:
    teen, _item = _teen_problem()
    sign_in(client, teen.user)

    assert "Mark confidential" not in client.get(f"/p/{teen.pk}/record/problems/").content.decode()
