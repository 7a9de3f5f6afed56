"""The authorization matrix of billing staff's pages about one patient: staff of the patient's
clinic and care team get in ("staff_only"); a care-team member of another organization may read
but is turned away from changing the clinic's accounts (400, nothing written); the patient side
and strangers get 404 or the login page."""

from __future__ import annotations

from typing import Any

import pytest

from portal.factories import CareTeamMembershipFactory, StaffMemberFactory
from portal.models import Scope, StaffRole
from tests.authz import ACTORS, CARE_TEAM_STAFF, CLINIC_STAFF, Endpoint, Url, World, check_endpoint, patient_url
from tests.billing.test_authz_patient import _billing


def _page(name: str, **items: str) -> Url:
    return patient_url(name, **{key: (lambda world, item=item: world.items[item].pk) for key, item in items.items()})


def _billing_desk(world: World) -> None:
    """The bill, and the billing role for the staff near the patient (the world's clinic staff is a
    nurse and its care-team member a physician: neither has the billing desk by their clinical role)."""
    _billing(world)
    near = world.users[CLINIC_STAFF].staff_roles.get()
    StaffMemberFactory(user=near.user, organization=near.organization, role=StaffRole.BILLING)
    far = world.users[CARE_TEAM_STAFF].staff_roles.get()
    desk = StaffMemberFactory(user=far.user, organization=far.organization, role=StaffRole.BILLING)
    CareTeamMembershipFactory(patient=world.patient, staff=desk)


def _endpoint(name: str, url: Url, **kwargs: Any) -> Endpoint:
    return Endpoint(name, "staff_only", url, scope=Scope.BILLING, arrange=_billing_desk, **kwargs)


def _money(world: World) -> dict[str, str]:
    return {"direction": "credit", "amount": "5.00", "reason": "Prompt-pay discount", "idempotency_key": "matrix-1"}


def _coverage(world: World) -> dict[str, str]:
    prefix = f"coverage-{world.items['account'].pk}"
    return {
        f"{prefix}-coverage": "insured",
        f"{prefix}-insurer_name": "Blue Lake Health",
        f"{prefix}-member_id": "XK-100",
    }


ENDPOINTS = [
    _endpoint("staff billing patient page", _page("billing_staff_patient")),
    _endpoint(
        "adjustment",
        _page("billing_staff_adjust", account_id="account"),
        method="post",
        data=_money,
        ok_status=302,
        declined={CARE_TEAM_STAFF: 400},
    ),
    _endpoint("staff payment plans page", _page("billing_staff_plans")),
    _endpoint(
        "staff plan cancel",
        _page("billing_staff_plan_cancel", plan_id="plan"),
        method="post",
        data=lambda world: {"reason": "The patient asked by phone"},
        ok_status=302,
        declined={CARE_TEAM_STAFF: 400},
    ),
    _endpoint(
        "issue a statement now",
        _page("billing_staff_statement_issue", account_id="account"),
        method="post",
        ok_status=302,
        declined={CARE_TEAM_STAFF: 400},
    ),
    _endpoint(
        "guest pay unlock",
        _page("billing_staff_guest_unlock", statement_id="statement"),
        method="post",
        ok_status=302,
        declined={CARE_TEAM_STAFF: 400},
    ),
    _endpoint(
        "refund",
        _page("billing_staff_refund", payment_id="payment"),
        method="post",
        data=_money,
        ok_status=302,
        declined={CARE_TEAM_STAFF: 400},
    ),
    _endpoint(
        "coverage",
        _page("billing_staff_coverage", account_id="account"),
        method="post",
        data=_coverage,
        ok_status=302,
        declined={CARE_TEAM_STAFF: 400},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_staff_billing_authorization(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)


def test_every_staff_billing_url_with_a_patient_is_in_the_matrix() -> None:
    from billing.urls.staff import urlpatterns

    with_patient = {p.name for p in urlpatterns if "patient_id" in str(p.pattern)}
    assert with_patient == {endpoint.route for endpoint in ENDPOINTS}
