"""Downloads of the record: a readable PDF (WeasyPrint) and a FHIR R4 collection Bundle.

Both are built only from `visible_items(access)`, so a download never holds more than the
person downloading may see on the record pages, and each one writes one DOWNLOAD audit event.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal import audit, dates
from portal.access import Access
from portal.models import AuditEvent, Organization, Patient, User
from records.models import RecordItem
from records.plain_language import explain
from records.selectors.patient import visible_items

Kind = RecordItem.Kind
# WeasyPrint reports each layout step at INFO; the request log already says a download happened.


@dataclass(frozen=True)
class Section:
    """A part of the record a person can choose to download or share."""

    slug: str
    title: Promise
    kinds: tuple[str, ...]


SECTIONS: tuple[Section, ...] = (
    Section("results", _("Test results and vital signs"), (Kind.RESULT, Kind.VITAL, Kind.OBSERVATION, Kind.REPORT)),
    Section("problems", _("Problems"), (Kind.PROBLEM,)),
    Section("medications", _("Medications"), (Kind.MEDICATION,)),
    Section("allergies", _("Allergies"), (Kind.ALLERGY,)),
    Section("immunizations", _("Immunizations"), (Kind.IMMUNIZATION,)),
    Section("visits", _("Visits"), (Kind.VISIT,)),
    Section("procedures", _("Procedures"), (Kind.PROCEDURE,)),
    Section("documents", _("Documents"), (Kind.DOCUMENT,)),
    Section("care_plans", _("Care plans"), (Kind.CARE_PLAN,)),
    Section("goals", _("Health goals"), (Kind.GOAL,)),
    Section("imaging", _("Imaging"), (Kind.IMAGING,)),
    Section("devices", _("Medical devices"), (Kind.DEVICE,)),
)
SECTION_SLUGS = tuple(section.slug for section in SECTIONS)
_BY_SLUG = {section.slug: section for section in SECTIONS}
RESULT_KINDS = (Kind.RESULT, Kind.VITAL, Kind.OBSERVATION)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # sorts undated items last

PDF_EXPORT = "records.PdfExport"
FHIR_EXPORT = "records.FhirExport"


def section_choices() -> list[tuple[str, Promise]]:
    return [(section.slug, section.title) for section in SECTIONS]


def kinds_of(slugs: Iterable[str]) -> list[str]:
    """The RecordItem kinds behind the chosen sections, in the order of SECTIONS."""
    chosen = set(slugs)
    return [kind for section in SECTIONS if section.slug in chosen for kind in section.kinds]


def sections_of(kinds: Iterable[str]) -> list[Section]:
    """The sections whose kinds are all in `kinds` (a share link stores kinds)."""
    have = set(kinds)
    return [section for section in SECTIONS if set(section.kinds) <= have]


@dataclass(frozen=True)
class ExportOptions:
    sections: tuple[str, ...] = SECTION_SLUGS
    since: date | None = None
    until: date | None = None


@dataclass
class RecordSection:
    """One section as the PDF and the share-link page show it."""

    section: Section
    items: list[RecordItem] = field(default_factory=list)
    # Reports with text of their own (a pathology report, an imaging read), under the results table.
    reports: list[RecordItem] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.section.slug

    @property
    def title(self) -> Promise:
        return self.section.title

    @property
    def is_empty(self) -> bool:
        return not self.items and not self.reports


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    content: bytes


def clinic_zone(patient: Patient) -> ZoneInfo:
    return ZoneInfo(patient.home_organization.time_zone or settings.CLINIC_TIME_ZONE)


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def export_items(access: Access, options: ExportOptions) -> QuerySet[RecordItem]:
    """What goes into a download: the visible items of the chosen sections, within the dates
    (whole days in the clinic's time zone; undated items drop out once a date limit is set)."""
    items = visible_items(access).filter(kind__in=kinds_of(options.sections))
    zone = clinic_zone(access.patient)
    if options.since:
        items = items.filter(effective_at__gte=_start_of(options.since, zone))
    if options.until:
        items = items.filter(effective_at__lt=_start_of(options.until + timedelta(days=1), zone))
    return items


def record_sections(items: Iterable[RecordItem], slugs: Iterable[str]) -> list[RecordSection]:
    """Items sorted into their sections (in the order of SECTIONS), newest first within each."""
    chosen = set(slugs)
    by_slug = {section.slug: RecordSection(section) for section in SECTIONS if section.slug in chosen}
    section_of_kind = {kind: section.slug for section in SECTIONS for kind in section.kinds}
    for item in sorted(items, key=lambda i: (i.effective_at is None, -(i.effective_at or _EPOCH).timestamp(), i.pk)):
        slug = section_of_kind.get(item.kind)
        if slug not in by_slug:
            continue
        if item.kind == Kind.REPORT:
            if item.body:
                by_slug[slug].reports.append(item)
            continue
        if item.kind in RESULT_KINDS:
            item.explanation = explain(item.code)  # type: ignore[attr-defined]
        by_slug[slug].items.append(item)
    return list(by_slug.values())


def _filename(patient: Patient, generated_at: datetime, extension: str) -> str:
    name = slugify(f"{patient.given_name} {patient.family_name}") or "patient"
    return (
        f"health-record-{name}-{timezone.localtime(generated_at, clinic_zone(patient)).date().isoformat()}.{extension}"
    )


def _audit_download(access: Access, actor: User, object_type: str, items: list[RecordItem]) -> None:
    # Marked confidential when it holds a confidential item, so a teen's caregiver never learns of it.
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.DOWNLOAD,
        object_type=object_type,
        confidential=any(item.confidential for item in items),
    )


# --- PDF -------------------------------------------------------------------------------------


def _css_string(text: str) -> str:
    """`text` as a CSS string literal, every character outside a small safe set escaped
    (a name can hold quotes, backslashes or `</style>`)."""
    safe = re.compile(r"[A-Za-z0-9 .,:()\-]")
    return '"' + "".join(ch if safe.fullmatch(ch) else f"\\{ord(ch):06x}" for ch in text) + '"'


def _css_content(sentence: str, counters: dict[str, str]) -> str:
    """A translated sentence with %(name)s placeholders as CSS `content` (placeholders -> counters)."""
    parts = re.split(r"%\((\w+)\)s", sentence)
    tokens = []
    for index, part in enumerate(parts):
        if index % 2:
            tokens.append(counters[part])
        elif part:
            tokens.append(_css_string(part))
    return " ".join(tokens) or '""'


def _page_css(patient: Patient, generated: datetime) -> str:
    """The running header and footer of every page (CSS @page margin boxes)."""
    born = gettext("Born %(date)s") % {"date": dates.format_date(patient.birth_date)}
    when = f"{dates.format_datetime(generated, zone=generated.tzinfo)} {generated.tzname()}"
    made = gettext("Created %(date)s") % {"date": when}
    page = gettext("Page %(page)s of %(pages)s")
    return (
        "@page {"
        f" @top-left {{ content: {_css_string(f'{patient.given_name} {patient.family_name}')}; }}"
        f" @top-right {{ content: {_css_string(born)}; }}"
        f" @bottom-left {{ content: {_css_string(made)}; }}"
        f" @bottom-right {{ content: {_css_content(page, {'page': 'counter(page)', 'pages': 'counter(pages)'})}; }}"
        " }"
    )


def render_pdf(
    *,
    patient: Patient,
    sections: list[RecordSection],
    options: ExportOptions,
    sources: list[str],
    generated_at: datetime,
    shows_held: bool = False,
) -> bytes:
    """The record as a paginated PDF in the patient's language, times in the clinic's time zone."""
    from weasyprint import HTML  # imported here: loading Pango costs time every other page can skip

    with translation.override(patient.preferred_language), timezone.override(clinic_zone(patient)):
        generated = timezone.localtime(generated_at)
        html = render_to_string(
            "records/pdf/record.html",
            {
                "patient": patient,
                "filled": [section for section in sections if not section.is_empty],
                "empty": [section for section in sections if section.is_empty],
                "options": options,
                "sources": sources,
                "generated": generated,
                "page_css": _page_css(patient, generated),
                "language": translation.get_language(),
                "shows_held": shows_held,
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def pdf_export(*, access: Access, actor: User, options: ExportOptions) -> Export:
    items = list(export_items(access, options).select_related("source"))
    sources = sorted({item.source.name for item in items})
    generated_at = timezone.now()
    content = render_pdf(
        patient=access.patient,
        sections=record_sections(items, options.sections),
        options=options,
        sources=sources,
        generated_at=generated_at,
        shows_held=access.acting_as == AuditEvent.ActingAs.STAFF,
    )
    _audit_download(access, actor, PDF_EXPORT, items)
    return Export(_filename(access.patient, generated_at, "pdf"), "application/pdf", content)


# --- FHIR ------------------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def organization_uri(organization: Organization) -> str:
    """A stable URI for an organization: the fullUrl of its entry in the bundle and every
    resource's meta.source, so each resource names the system it came from."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{settings.SITE_URL}/organizations/{organization.slug}')}"


def organization_resource(organization: Organization) -> dict[str, Any]:
    """An organization (a source system or the home clinic) as a FHIR R4 Organization."""
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": organization_uri(organization).removeprefix("urn:uuid:"),
        "identifier": [{"system": f"{settings.SITE_URL}/organizations", "value": organization.slug}],
        "name": organization.name,
    }
    if organization.phone:
        resource["telecom"] = [{"system": "phone", "value": organization.phone}]
    return resource


def patient_resource(patient: Patient) -> dict[str, Any]:
    """The portal's Patient as a FHIR R4 Patient resource."""
    home = patient.home_organization
    identifier: dict[str, Any] = {
        "use": "usual",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
        "value": patient.mrn,
    }
    if home.mrn_system:
        identifier["system"] = home.mrn_system
    names: list[dict[str, Any]] = [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}]
    if patient.preferred_name:
        names.append({"use": "usual", "family": patient.family_name, "given": [patient.preferred_name]})
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": {"source": organization_uri(home)},
        "identifier": [identifier],
        "name": names,
        "gender": patient.gender,
        "birthDate": patient.birth_date.isoformat(),
        "communication": [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.preferred_language}]},
                "preferred": True,
            }
        ],
        "managingOrganization": {"reference": organization_uri(home), "display": home.name},
    }
    telecom = [{"system": "email", "value": patient.email}] if patient.email else []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if telecom:
        resource["telecom"] = telecom
    if patient.address:
        resource["address"] = [{"text": patient.address}]
    return resource


def _points_at(reference: str) -> tuple[str, str]:
    """("Observation", "123") or ("", "123") for "urn:uuid:123"."""
    if reference.startswith("urn:uuid:"):
        return "", reference.removeprefix("urn:uuid:")
    parts = reference.split("?")[0].rstrip("/").split("/")
    if len(parts) >= 2:
        return parts[-2], parts[-1]
    return "", reference


class _Rewriter:
    """Prepares one raw resource for the bundle: references to the source's patient point at the
    portal's Patient, and references to items this person may not see are dropped (with them,
    the display text a reference can carry)."""

    def __init__(self, patient_url: str, hidden: set[tuple[str, str]]) -> None:
        self.patient_url = patient_url
        self.hidden_ids = {rid for _kind, rid in hidden}
        self.hidden = hidden

    def _is_hidden(self, reference: str) -> bool:
        kind, rid = _points_at(reference)
        return (kind, rid) in self.hidden if kind else rid in self.hidden_ids

    def _is_patient(self, reference: str, subject_id: str) -> bool:
        if not subject_id:
            return False
        kind, rid = _points_at(reference)
        return rid == subject_id and kind in ("", "Patient")

    def _drop(self, value: Any) -> bool:
        return (
            isinstance(value, dict) and isinstance(value.get("reference"), str) and self._is_hidden(value["reference"])
        )

    def _about_hidden(self, value: Any) -> bool:
        """A list element that is, or directly holds, a reference to a hidden item (a diagnosis of a
        visit, a result of a report) goes as a whole: what is left would not make sense."""
        return self._drop(value) or (isinstance(value, dict) and any(self._drop(child) for child in value.values()))

    def rewrite(self, node: Any, subject_id: str) -> Any:
        if isinstance(node, list):
            kept = [self.rewrite(value, subject_id) for value in node if not self._about_hidden(value)]
            return [value for value in kept if value not in ({}, [], None)]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if self._drop(value):
                continue
            if key == "reference" and isinstance(value, str) and self._is_patient(value, subject_id):
                out[key] = self.patient_url
                continue
            new = self.rewrite(value, subject_id)
            if new in ({}, []):
                continue
            out[key] = new
        return out


def build_fhir_bundle(
    *, patient: Patient, items: list[RecordItem], hidden: set[tuple[str, str]], generated_at: datetime
) -> dict[str, Any]:
    """A FHIR R4 `collection` Bundle: the Patient, the organizations the data came from, and the
    raw resource behind each item, each with meta.source naming its source organization."""
    patient_url = f"urn:uuid:{patient.pk}"
    rewriter = _Rewriter(patient_url, hidden)
    organizations = {patient.home_organization.pk: patient.home_organization}
    entries: list[dict[str, Any]] = []
    used = {patient_url}
    for item in items:
        record = item.record
        organizations.setdefault(item.source.pk, item.source)
        resource = rewriter.rewrite(copy.deepcopy(record.raw), record.subject_id)
        resource["meta"] = {**(resource.get("meta") or {}), "source": organization_uri(item.source)}
        full_url = f"urn:uuid:{record.resource_id}" if _UUID.match(record.resource_id) else ""
        if not full_url or full_url in used:
            key = f"{settings.SITE_URL}/organizations/{item.source.slug}/{record.resource_type}/{record.resource_id}"
            full_url = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"
        used.add(full_url)
        entries.append({"fullUrl": full_url, "resource": resource})
    head = [{"fullUrl": patient_url, "resource": patient_resource(patient)}]
    head += [
        {"fullUrl": organization_uri(org), "resource": organization_resource(org)}
        for org in sorted(organizations.values(), key=lambda o: o.name)
    ]
    stamp = generated_at.isoformat()
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": stamp},
        "type": "collection",
        "timestamp": stamp,
        "entry": head + entries,
    }


def hidden_resources(access: Access) -> set[tuple[str, str]]:
    """The source resources of the patient's items this person may not see (held, or confidential
    for a teen's caregiver): references to them are left out of the bundle."""
    visible = visible_items(access).values("pk")
    hidden = RecordItem.objects.filter(patient=access.patient).exclude(pk__in=visible)
    return set(hidden.values_list("record__resource_type", "record__resource_id"))


def fhir_export(*, access: Access, actor: User, options: ExportOptions) -> Export:
    items = list(
        export_items(access, options).select_related("source", "record").order_by("kind", "effective_at", "pk")
    )
    generated_at = timezone.now()
    bundle = build_fhir_bundle(
        patient=access.patient, items=items, hidden=hidden_resources(access), generated_at=generated_at
    )
    _audit_download(access, actor, FHIR_EXPORT, items)
    content = json.dumps(bundle, ensure_ascii=False, indent=1).encode()
    return Export(_filename(access.patient, generated_at, "json"), "application/fhir+json", content)
