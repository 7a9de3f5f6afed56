"""The briefing as a PDF (WeasyPrint, as the record's download), in the patient's language and
with times in their clinic's zone; the opening is recorded and audited as a download."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User
from records.downloads import clinic_zone
from summaries.services.reading import open_briefing


@dataclass(frozen=True)
class Document:
    content: bytes
    filename: str


def briefing_pdf(*, access: Access, actor: User, now: datetime) -> Document:
    from weasyprint import HTML  # imported here: loading Pango costs time every other page can skip

    patient = access.patient
    language = patient.preferred_language
    zone = clinic_zone(patient)
    with translation.override(language), timezone.override(zone):
        briefing = open_briefing(access=access, actor=actor, page="pdf", language=language)
        generated = timezone.localtime(now)
        html = render_to_string(
            "summaries/pdf/briefing.html",
            {"patient": patient, "briefing": briefing, "generated": generated, "language": language},
        )
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.DOWNLOAD,
        object_type="summaries.Briefing",
        object_id=briefing.version,
        confidential=briefing.confidential_shown,
    )
    name = slugify(f"{patient.given_name} {patient.family_name}") or "patient"
    content = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return Document(content, f"briefing-{name}-{generated.date().isoformat()}.pdf")
