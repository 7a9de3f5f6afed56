"""The authorization matrix of the briefing's own pages: whoever may open the patient's home
(the patient, any caregiver, the clinic's staff) may open the briefing's page, its poll and its
PDF, each line filtered for them (tests/summaries/test_briefing.py); everyone else gets 404 or
the login page, and nothing is written, leaked or sent."""

from __future__ import annotations

import pytest

from summaries.services import refresh
from tests.authz import ACTORS, Endpoint, World, check_endpoint, patient_url


def _built(world: World) -> None:
    refresh.rebuild(world.patient.pk)


ENDPOINTS = [
    Endpoint("briefing page", "profile", patient_url("briefing"), arrange=_built),
    Endpoint("briefing poll", "profile", patient_url("briefing_part"), arrange=_built),
    Endpoint("briefing PDF", "profile", patient_url("briefing_pdf"), arrange=_built),
]


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_briefing_matrix(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)
