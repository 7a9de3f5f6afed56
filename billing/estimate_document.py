"""A Good Faith Estimate as the reader sees it (page and PDF): the kept content in the active
language, with dates and each line's provider resolved. The content itself is never changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from billing.models import GoodFaithEstimate
from portal.models import Patient


@dataclass
class Document:
    estimate: GoodFaithEstimate
    patient_name: str
    birth_date: date
    primary_service: str
    primary_code: str
    starts_at: datetime | None
    providers: list[dict[str, Any]]
    items: list[dict[str, Any]]
    scheduled_separately: list[dict[str, Any]]
    total_cents: int
    dispute_threshold_cents: int
    organization_phone: str
    # The version that replaces this one, if any.
    newer_id: int | None


def _in_language(line: dict[str, Any], spanish: bool) -> dict[str, Any]:
    return {**line, "text": line["description_es"] if spanish else line["description"]}


def document(estimate: GoodFaithEstimate) -> Document:
    content = estimate.content
    spanish = (translation.get_language() or "en").startswith("es")
    providers = content["providers"]
    items = [_in_language(line, spanish) for line in content["items"]]
    for line in items:
        line["provider_name"] = providers[line.get("provider", 0)]["name"]
    starts = content["primary_service"]["starts_at"]
    return Document(
        estimate=estimate,
        patient_name=content["patient"]["name"],
        birth_date=date.fromisoformat(content["patient"]["birth_date"]),
        primary_service=content["primary_service"]["name_es" if spanish else "name"],
        primary_code=content["primary_service"]["code"],
        starts_at=datetime.fromisoformat(starts) if starts else None,
        providers=providers,
        items=items,
        scheduled_separately=[_in_language(line, spanish) for line in content["scheduled_separately"]],
        total_cents=content["total_cents"],
        dispute_threshold_cents=content["dispute_threshold_cents"],
        organization_phone=content.get("organization_phone", ""),
        newer_id=GoodFaithEstimate.objects.filter(supersedes=estimate).values_list("pk", flat=True).first(),
    )


def render_pdf(*, estimate: GoodFaithEstimate, patient: Patient, now: datetime) -> bytes:
    """The estimate as PDF (WeasyPrint), in the patient's language, times in the clinic's zone."""
    from weasyprint import HTML  # imported here: loading Pango costs time every other page can skip

    zone = ZoneInfo(estimate.organization.time_zone)
    with translation.override(patient.preferred_language), timezone.override(zone):
        html = render_to_string(
            "billing/pdf/estimate.html",
            {"doc": document(estimate), "generated": timezone.localtime(now), "language": translation.get_language()},
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
