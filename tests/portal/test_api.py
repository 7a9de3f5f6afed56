"""The JSON API of the portal core: shapes, field errors, the access policy, query counts."""

from __future__ import annotations

import pytest

from portal.factories import ProxyGrantFactory
from portal.models import ProxyGrant, Scope
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_me_and_people_list_whom_i_act_for(client, patient) -> None:
    helped = ProxyGrantFactory(grantee=patient.user, scopes=[Scope.RECORDS]).patient
    sign_in(client, patient.user)

    me = client.get("/api/v1/me/").json()
    people = client.get("/api/v1/people/").json()

    assert me["email"] == patient.user.email
    assert [person["id"] for person in people] == [str(patient.pk), str(helped.pk)]


def test_invite_with_bad_input_answers_400_with_field_errors(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.post(
        f"/api/v1/patients/{patient.pk}/proxy-grants/",
        {"name": "", "email": "nope", "scopes": ["xray"]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"name", "email", "scopes"}
    assert ProxyGrant.objects.count() == 0


def test_a_refused_invite_answers_400_with_the_reason(client, patient) -> None:
    sign_in(client, patient.user)
    payload = {"name": "Sam", "email": "sam@example.org", "scopes": ["records"]}
    client.post(f"/api/v1/patients/{patient.pk}/proxy-grants/", payload, content_type="application/json")

    again = client.post(f"/api/v1/patients/{patient.pk}/proxy-grants/", payload, content_type="application/json")

    assert again.status_code == 400
    assert again.json() == {"email": ["This person already has access or an open invitation."]}


def test_invite_then_revoke(client, patient) -> None:
    sign_in(client, patient.user)

    created = client.post(
        f"/api/v1/patients/{patient.pk}/proxy-grants/",
        {"name": "Sam", "email": "sam@example.org", "scopes": ["records", "billing"]},
        content_type="application/json",
    ).json()
    revoked = client.post(f"/api/v1/patients/{patient.pk}/proxy-grants/{created['id']}/revoke/").json()

    assert (created["status"], created["scopes"]) == ("invited", ["records", "billing"])
    assert revoked["status"] == "revoked"


def test_activity_list_is_a_constant_number_of_queries(client, patient, django_assert_num_queries) -> None:
    sign_in(client, patient.user)
    for _ in range(3):
        client.get(f"/api/v1/patients/{patient.pk}/")
    client.get(f"/api/v1/patients/{patient.pk}/activity/")

    # session, user, staff role, 2 device kinds, patient, audit insert, count, page, session save (3 with savepoints)
    with django_assert_num_queries(12):
        client.get(f"/api/v1/patients/{patient.pk}/activity/")
    for _ in range(20):
        client.get(f"/api/v1/patients/{patient.pk}/")
    with django_assert_num_queries(12):
        response = client.get(f"/api/v1/patients/{patient.pk}/activity/")

    assert response.json()["count"] == 26


def test_openapi_schema_describes_the_api(client, patient) -> None:
    sign_in(client, patient.user)

    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert {"/api/v1/me/", "/api/v1/patients/{patient_id}/proxy-grants/"} <= set(schema["paths"])


# Past PostgreSQL's bigint: once reached the database as LIMIT/OFFSET and answered 500.
HUGE = "99999999999999999999"


def test_a_huge_limit_is_read_as_the_largest_page(client, patient) -> None:
    sign_in(client, patient.user)
    for _ in range(3):
        client.get(f"/api/v1/patients/{patient.pk}/")

    response = client.get(f"/api/v1/patients/{patient.pk}/activity/", {"limit": HUGE})

    assert response.status_code == 200
    assert (response.json()["count"], len(response.json()["results"])) == (4, 4)


@pytest.mark.parametrize("offset", [HUGE, "1000000001", "-1", "ten", "²", "9" * 5000])
def test_an_offset_that_is_not_a_whole_number_in_range_answers_400_naming_it(client, patient, offset) -> None:
    sign_in(client, patient.user)

    response = client.get(f"/api/v1/patients/{patient.pk}/activity/", {"offset": offset})

    assert response.status_code == 400
    assert response.json() == {"offset": ["Offset must be a whole number from 0 to 1000000000."]}


def test_the_largest_offset_answers_an_empty_page(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.get(f"/api/v1/patients/{patient.pk}/activity/", {"offset": "1000000000", "limit": "2"})

    assert response.status_code == 200
    assert response.json()["results"] == []
