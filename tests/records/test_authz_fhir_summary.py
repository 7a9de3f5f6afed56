"""The authorization matrix of the FHIR API's Patient/$summary: whoever may read the patient's
health record (the patient, a caregiver with the records scope, staff who may see it) gets the
document; everyone else gets 404 (anonymous: 401 with a Bearer challenge), with nothing leaked,
written or audited."""

from __future__ import annotations

import pytest

from records.factories import RecordItemFactory
from tests.authz import ACTORS, Endpoint, World, check_endpoint, patient_url

pytestmark = pytest.mark.django_db


def _a_result(world: World) -> None:
    world.items["result"] = RecordItemFactory(patient=world.patient, source=world.patient.home_organization)


SUMMARY = Endpoint(
    "fhir summary", "scoped", patient_url("fhir_summary"), api=True, anonymous_status=401, arrange=_a_result
)


@pytest.mark.parametrize("actor", ACTORS)
def test_the_summary_answers_each_actor(actor: str) -> None:
    check_endpoint(SUMMARY, actor)
