# ruff: noqa: F401, F811  (the refills clinic fixture, imported, is the argument of a test)
"""The clinician's pre-visit briefing as a clinician reads it: "what changed" gives each result its
value, unit, flag and reference range (out of range first), medicines started and stopped and new
diagnoses, each naming its organization and date; and every line opens the staff side of its row
(a refill request's review page, not the patient's refills page), which the clinician may open."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import dates
from portal.factories import OrganizationFactory, PatientFactory, StaffMemberFactory
from portal.models import StaffRole
from portal.templatetags.portal_tags import ago
from records.factories import RecordItemFactory
from records.models import RecordItem
from refills.services.requests import request_submit
from summaries.services import previsit
from tests.conftest import sign_in
from tests.refills.arrange import LISINOPRIL, patient_with_two
from tests.refills.conftest import Clinic, clinic, form_key, key
from tests.scheduling.checkin_fixtures import booked_visit

pytestmark = pytest.mark.django_db
Kind = RecordItem.Kind


def _section(body: str, heading_id: str) -> str:
    """The HTML of one section of the page, by its heading's id."""
    start = body.index(f'aria-labelledby="{heading_id}"')
    return body[start : body.index("</section>", start)]


def _items(section: str) -> list[str]:
    """Each line of a section as its text, tags removed."""
    return [
        html.unescape(" ".join(re.sub(r"<[^>]+>", " ", item).split()))
        for item in re.findall(r'<li class="briefing__line">(.*?)</li>', section, flags=re.S)
    ]


def _hrefs(section: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', section)]


def _clinician(patient: Any) -> Client:
    doctor = StaffMemberFactory(organization=patient.home_organization, role=StaffRole.PHYSICIAN)
    return sign_in(Client(), doctor.user, second_factor=True)


def test_what_changed_reads_as_a_clinician_needs_it(clock: Any) -> None:
    patient = PatientFactory()
    lakeside, st_marys = patient.home_organization, OrganizationFactory(name="St Mary's Hospital")
    now = timezone.now()

    def item(source: Any, days: int, **fields: Any) -> RecordItem:
        return RecordItemFactory(patient=patient, source=source, effective_at=now - timedelta(days=days), **fields)

    sodium = item(
        st_marys,
        2,
        display="Sodium",
        code="2951-2",
        value_number=Decimal("140"),
        unit="mmol/L",
        reference_low=Decimal("135.0"),
        reference_high=Decimal("145.0"),
    )
    a1c = item(
        lakeside,
        9,
        display="Hemoglobin A1c",
        value_number=Decimal("8.40"),
        unit="%",
        reference_high=Decimal("5.6"),
        interpretation="H",
    )
    potassium = item(
        lakeside,
        12,
        display="Potassium",
        code="2823-3",
        value_number=Decimal("6.9"),
        unit="mmol/L",
        interpretation="HH",
    )
    hdl = item(lakeside, 4, display="HDL", code="2085-9", value_number=Decimal("55"), unit="mg/dL")
    started = item(
        lakeside, 5, kind=Kind.MEDICATION, display="Metformin 500 mg", code="860975", status="active", value_number=None
    )
    stopped = item(
        st_marys,
        200,
        kind=Kind.MEDICATION,
        display="Glipizide 5 mg",
        code="310488",
        status="stopped",
        value_number=None,
        ended_at=now - timedelta(days=6),
    )
    diagnosis = item(
        lakeside, 7, kind=Kind.PROBLEM, display="Type 2 diabetes mellitus", code="44054006", value_number=None
    )
    visit = booked_visit(patient, now + timedelta(days=1))

    previsit.build(visit.pk)
    body = _clinician(patient).get(reverse("staff_previsit", args=[visit.pk])).content.decode()
    lines = _items(_section(body, "previsit-changed"))

    def on(record: RecordItem, moment: Any = None) -> str:
        moment = moment or record.effective_at
        return f"{dates.format_date(timezone.localtime(moment))} · {ago(moment)}".replace("\xa0", " ")

    # The critical value first, though older than the other out-of-range result.
    assert lines == [
        f"Potassium: 6.9 mmol/L, critically high From {lakeside.name} · {on(potassium)}",
        f"Hemoglobin A1c: 8.4 %, high (reference range ≤ 5.6 %) From {lakeside.name} · {on(a1c)}",
        f"Sodium: 140 mmol/L (reference range 135–145 mmol/L) From St Mary's Hospital · {on(sodium)}",
        f"HDL: 55 mg/dL From {lakeside.name} · {on(hdl)}",
        f"Medicine started: Metformin 500 mg From {lakeside.name} · {on(started)}",
        f"Medicine stopped: Glipizide 5 mg From St Mary's Hospital · {on(stopped, stopped.ended_at)}",
        f"New diagnosis: Type 2 diabetes mellitus From {lakeside.name} · {on(diagnosis)}",
    ]


def test_a_refill_line_opens_the_staff_review_and_every_link_opens_for_the_clinician(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    (refill,) = request_submit(
        access=clinic.access(patient.user, patient),
        actor=patient.user,
        medication_keys=[key(LISINOPRIL[0])],
        pharmacy_id=clinic.pharmacy.pk,
        days_supply=90,
        note="",
        idempotency_key=form_key(),
    )
    visit = booked_visit(patient, timezone.now() + timedelta(days=1))
    previsit.build(visit.pk)
    client = sign_in(Client(), clinic.doctor.user, second_factor=True)

    body = client.get(reverse("staff_previsit", args=[visit.pk])).content.decode()
    refills = _section(body, "previsit-extra-1")
    briefing = body[body.index('id="previsit"') :]

    assert _hrefs(refills) == [reverse("staff_refills_request", args=[refill.pk])]
    assert f"/p/{patient.pk}/refills/" not in body
    links = _hrefs(briefing)
    assert len(links) >= 3  # the result and the medicine lines, the refill request
    for link in links:
        opened = client.get(link)
        assert opened.status_code == 200, link
    review = client.get(_hrefs(refills)[0]).content.decode()
    assert "lisinopril" in review.lower()
