"""The International Patient Summary (HL7 IPS): a FHIR `document` Bundle of the Composition, the
Patient, its author (the home clinic) and the resources each section lists.

Sections follow the IPS Composition: problems, allergies and medications always (with
`emptyReason` when the record holds nothing the caller may see: "unavailable", never
"withheld", so an empty section says nothing about what is hidden), then immunizations,
results, vital signs, procedures and past problems when they hold something. Results and
vital signs are the latest value of each test. Each section's narrative is generated from
its entries, escaped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from portal.models import Patient
from records import downloads
from records.fhir_api import resources
from records.models import RecordItem, SourceRecord

Kind = RecordItem.Kind
IPS = "http://hl7.org/fhir/uv/ips/"
BUNDLE_PROFILE = f"{IPS}StructureDefinition/Bundle-uv-ips"
COMPOSITION_PROFILE = f"{IPS}StructureDefinition/Composition-uv-ips"
OPERATION = f"{IPS}OperationDefinition/summary"
LOINC = "http://loinc.org"
EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
XHTML = "http://www.w3.org/1999/xhtml"

# Statuses that take an item out of a section: it never happened, or is no longer current.
NEVER = {"entered-in-error", "not-done", "cancelled"}
PAST_PROBLEM = {"inactive", "remission", "resolved"}
PAST_MEDICATION = {"completed", "stopped", "draft"}
# Kinds of which only the newest value of each test or measurement is summarized.
LATEST_KINDS = (Kind.RESULT, Kind.VITAL)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # sorts undated items last


@dataclass(frozen=True)
class Section:
    code: str
    display: str  # the LOINC display
    title: Promise
    kind: str
    required: bool = False
    keep: Callable[[RecordItem], bool] = lambda item: item.status not in NEVER


SECTIONS: tuple[Section, ...] = (
    Section(
        "11450-4",
        "Problem list - Reported",
        _("Problems"),
        Kind.PROBLEM,
        required=True,
        keep=lambda item: item.status not in NEVER | PAST_PROBLEM,
    ),
    Section(
        "48765-2",
        "Allergies and adverse reactions Document",
        _("Allergies and intolerances"),
        Kind.ALLERGY,
        required=True,
    ),
    Section(
        "10160-0",
        "History of Medication use Narrative",
        _("Medications"),
        Kind.MEDICATION,
        required=True,
        keep=lambda item: item.status not in NEVER | PAST_MEDICATION,
    ),
    Section("11369-6", "History of Immunization Narrative", _("Immunizations"), Kind.IMMUNIZATION),
    Section("30954-2", "Relevant diagnostic tests/laboratory data Narrative", _("Test results"), Kind.RESULT),
    Section("8716-3", "Vital signs", _("Vital signs"), Kind.VITAL),
    Section("47519-4", "History of Procedures Document", _("Procedures"), Kind.PROCEDURE),
    Section(
        "11348-0",
        "History of Past illness Narrative",
        _("Past problems"),
        Kind.PROBLEM,
        keep=lambda item: item.status in PAST_PROBLEM,
    ),
)
# The resource types a summary is made of: a SMART token must be allowed to read each of them.
CLINICAL = ("Condition", "AllergyIntolerance", "MedicationRequest", "Immunization", "Procedure")
OBSERVATION = "Observation"
TYPES = ("Patient", *CLINICAL, OBSERVATION)


@dataclass
class Entry:
    """One line of a section: a record, and the name of every source that holds the same thing."""

    record: SourceRecord
    sources: list[str]


def sorted_into_sections(records: Iterable[SourceRecord]) -> list[tuple[Section, list[Entry]]]:
    """Each section with its entries (records with `item` and `source` select_related), newest
    first; the same problem, allergy, medication or dose from several sources once (its newest copy)."""
    newest_first = sorted(
        records, key=lambda r: (r.item.effective_at is None, -(r.item.effective_at or _EPOCH).timestamp(), r.pk)
    )
    found: list[tuple[Section, list[Entry]]] = []
    for section in SECTIONS:
        by_key: dict[str, Entry] = {}
        kept: list[Entry] = []
        for record in newest_first:
            item = record.item
            if item.kind != section.kind or not section.keep(item):
                continue
            same = by_key.get(item.dedup_key) if item.dedup_key else None
            if same is not None:
                if record.source.name not in same.sources:
                    same.sources.append(record.source.name)
                continue
            entry = Entry(record, [record.source.name])
            if item.dedup_key:
                by_key[item.dedup_key] = entry
            kept.append(entry)
        if kept or section.required:
            found.append((section, kept))
    return found


def _div(body: str) -> str:
    return format_html('<div xmlns="{}">{}</div>', XHTML, body)


def _value(item: RecordItem) -> str:
    if item.value_number is not None:
        number = format(item.value_number.normalize(), "f")
        return f"{number} {item.unit}".strip()
    return item.value_text


def _line(entry: Entry, patient: Patient) -> str:
    """One entry as the narrative says it: what, its value, when, and from where."""
    item = entry.record.item
    details = [
        _value(item) if item.kind in LATEST_KINDS else "",
        timezone.localtime(item.effective_at, downloads.clinic_zone(patient)).date().isoformat()
        if item.effective_at
        else "",
        ", ".join(entry.sources),
    ]
    return format_html(
        "<li><b>{}</b>{}</li>", item.display, format_html_join("", " · {}", ((d,) for d in details if d))
    )


def _section(section: Section, entries: list[Entry], patient: Patient) -> dict[str, Any]:
    built: dict[str, Any] = {
        "title": str(section.title),
        "code": {"coding": [{"system": LOINC, "code": section.code, "display": section.display}]},
    }
    if entries:
        lines = format_html_join("", "{}", ((_line(entry, patient),) for entry in entries))
        built["text"] = {"status": "generated", "div": _div(format_html("<ul>{}</ul>", lines))}
        built["entry"] = [{"reference": f"{e.record.resource_type}/{e.record.pk}"} for e in entries]
    else:
        said = gettext("No information about this in the health record.")
        built["text"] = {"status": "generated", "div": _div(format_html("<p>{}</p>", said))}
        built["emptyReason"] = {
            "coding": [{"system": EMPTY_REASON, "code": "unavailable", "display": "Unavailable"}],
            "text": said,
        }
    return built


def document(
    *,
    patient: Patient,
    patient_resource: dict[str, Any],
    sections: list[tuple[Section, list[Entry]]],
    resources_listed: list[dict[str, Any]],
    base: str,
) -> dict[str, Any]:
    """The IPS Bundle: the Composition, the Patient (`patient_resource`, as the API builds it), the
    author, then `resources_listed` (the sections' resources, as the API builds them, in section order)."""
    clinic = patient.home_organization
    author = downloads.organization_uri(clinic)
    now = timezone.now().isoformat()
    title = gettext("International Patient Summary")
    subject = {"reference": f"Patient/{patient.pk}", "display": patient.display_name}
    composition: dict[str, Any] = {
        "resourceType": "Composition",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [COMPOSITION_PROFILE], "source": resources.source_uri(clinic)},
        "language": get_language() or "en",
        "text": {
            "status": "generated",
            "div": _div(
                format_html(
                    "<p>{}: {} ({}) · {}</p>", title, patient.display_name, patient.birth_date.isoformat(), clinic.name
                )
            ),
        },
        "status": "final",
        "type": {"coding": [{"system": LOINC, "code": "60591-5", "display": "Patient summary Document"}]},
        "subject": subject,
        "date": now,
        "author": [{"reference": author, "display": clinic.name}],
        "title": title,
        "custodian": {"reference": author, "display": clinic.name},
        "section": [_section(section, entries, patient) for section, entries in sections],
    }
    head = [
        {"fullUrl": f"urn:uuid:{composition['id']}", "resource": composition},
        {"fullUrl": f"{base}/Patient/{patient.pk}", "resource": patient_resource},
        {"fullUrl": author, "resource": downloads.organization_resource(clinic)},
    ]
    body = [
        {"fullUrl": f"{base}/{listed['resourceType']}/{listed['id']}", "resource": listed}
        for listed in resources_listed
    ]
    bundle_id = str(uuid.uuid4())
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"lastUpdated": now, "profile": [BUNDLE_PROFILE]},
        "language": composition["language"],
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{bundle_id}"},
        "type": "document",
        "timestamp": now,
        "entry": head + body,
    }
