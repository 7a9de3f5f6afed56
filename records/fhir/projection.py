"""Project one clinical FHIR resource onto the fields of a `RecordItem`.

Only what the patient's pages need is extracted; the raw resource is kept as
is on its `SourceRecord` for everything else (downloads, the FHIR API).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import Truncator
from django.utils.timezone import make_aware

from records.dedup_keys import content_digest, event_key, paired_key, thing_key
from records.fhir.attachments import Attachment, AttachmentError, read_attachment
from records.models import RecordItem

Kind = RecordItem.Kind

# The patient each resource type is about, by the element that names them.
SUBJECT_ELEMENT = {
    "Encounter": "subject",
    "Condition": "subject",
    "Observation": "subject",
    "DiagnosticReport": "subject",
    "MedicationRequest": "subject",
    "MedicationStatement": "subject",
    "AllergyIntolerance": "patient",
    "Immunization": "patient",
    "Procedure": "subject",
    "DocumentReference": "subject",
    "CarePlan": "subject",
    "Claim": "patient",
    "ExplanationOfBenefit": "patient",
    "Goal": "subject",
    "ImagingStudy": "subject",
    "Device": "patient",
    "Media": "subject",
}
# Kept raw (no record line yet) but about one patient, named by this element: attached to them, so
# they are theirs in downloads and whenever a page shows them. Unresolved, the resource is still kept.
ABOUT_PATIENT_ELEMENT = {
    "ServiceRequest": "subject",
    "QuestionnaireResponse": "subject",
    "Specimen": "subject",
    "CareTeam": "subject",
    "Coverage": "beneficiary",
    "FamilyMemberHistory": "patient",
    "MedicationDispense": "subject",
    "MedicationAdministration": "subject",
    "RelatedPerson": "patient",
    "DeviceRequest": "subject",
    "DeviceUseStatement": "subject",
    "NutritionOrder": "patient",
    "RiskAssessment": "subject",
    "ClinicalImpression": "subject",
    "Communication": "subject",
    "CommunicationRequest": "subject",
    "Consent": "patient",
    "EpisodeOfCare": "patient",
    "Flag": "subject",
    "AdverseEvent": "subject",
    "BodyStructure": "patient",
    "DetectedIssue": "patient",
    "Account": "subject",
    "Composition": "subject",
    "List": "subject",
}
# Kept raw for other apps (billing reads claims) and counted; not shown as record lines.
RAW_ONLY = {"Claim", "ExplanationOfBenefit", "Organization", "Practitioner", "PractitionerRole", "Location"}


class ProjectionError(ValueError):
    """The resource lacks what the record needs (its message goes into the import report)."""


@dataclass
class Projection:
    kind: str
    display: str
    fields: dict[str, Any] = field(default_factory=dict)
    # Observation ids a DiagnosticReport groups (linked after the batch is written).
    result_ids: list[str] = field(default_factory=list)
    # Documents the resource carries (a report's PDF), stored as bytes beside the record line.
    attachments: list[Attachment] = field(default_factory=list)
    # What the record keeps differently from what the source sent (a number too large to chart,
    # kept as text): the line is stored, and each note becomes an issue row of the import.
    notes: list[str] = field(default_factory=list)


def _coding(concept: Any) -> tuple[str, str, str]:
    """(system, code, display) of a CodeableConcept's first coding, falling back to its text."""
    if not isinstance(concept, dict):
        return "", "", ""
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and (coding.get("code") or coding.get("display")):
            display = coding.get("display") or concept.get("text") or coding.get("code", "")
            return str(coding.get("system", "")), str(coding.get("code", "")), str(display)
    return "", "", str(concept.get("text", ""))


def _first(resource: dict[str, Any], key: str) -> Any:
    value = resource.get(key)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def parse_when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return _parse_when(value)
    except ValueError as error:  # well-formed but impossible ("2019-13-45"): Django's parsers raise
        raise ProjectionError(f"Unreadable date '{value[:40]}'.") from error


def _parse_when(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value[:10]) if len(value) >= 10 else None
        if day is None:
            try:
                day = parse_date(f"{value[:7]}-01" if len(value) == 7 else f"{value[:4]}-01-01")
            except ValueError:
                day = None
        if day is None:
            raise ProjectionError(f"Unreadable date '{value[:40]}'.")
        moment = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - made aware just below
    return moment if moment.tzinfo else make_aware(moment)


def _period(resource: dict[str, Any], *names: str) -> tuple[datetime | None, datetime | None]:
    """The start and end of the first of `names` present: a dateTime, a Period, or an instant."""
    for name in names:
        value = resource.get(name)
        if isinstance(value, dict):
            return parse_when(value.get("start")), parse_when(value.get("end"))
        if value:
            return parse_when(value), None
    return None, None


# The record keeps numbers of up to 10 digits before the point and 4 after (max_digits=14).
NUMBER_LIMIT = 10**10


def _number(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, str):
        # FHIR JSON numbers are never quoted; a quoted one means the sender's export is wrong.
        raise ProjectionError(f"The value '{value[:40]}' is text, not a number.")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ProjectionError(f"Unreadable number '{str(value)[:40]}'.")
    try:
        number = Decimal(str(value))
    except InvalidOperation as error:
        raise ProjectionError(f"Unreadable number '{str(value)[:40]}'.") from error
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise ProjectionError(f"The value {value} is too large for the record (below 10^10 only).")
    return number.quantize(Decimal("0.0001"))


def _measured(value: Any, notes: list[str]) -> tuple[Decimal | None, str]:
    """A quantity's number, or, when it is too large for the record's numbers, its digits as text
    (stored and shown as sent, not charted) with a note saying so: the result is never lost."""
    try:
        return _number(value), ""
    except ProjectionError:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            number = Decimal(str(value))
            if number.is_finite():
                plain = as_sent(number)
                notes.append(f"The value {plain} is too large to chart (10^10 or more); it is kept and shown as sent.")
                return None, plain
        raise


def as_sent(number: Decimal | float | int) -> str:
    """A number's digits as the source meant them: 1e11 or 100000000000.0 (JSON reads both as a
    float) is "100000000000", 2.5e10 "25000000000", 12345678901.5 stays so; very long ones in
    scientific notation ("1E+45")."""
    value = Decimal(str(number)).normalize()  # 1E+11, 1.23456789015E+10: no trailing zeros
    plain = f"{value:f}"  # positional: "100000000000", "12345678901.5"
    return plain if len(plain) <= 40 else f"{value:E}"


def _category(resource: dict[str, Any]) -> str:
    for concept in resource.get("category") or []:
        _system, code, _display = _coding(concept)
        if code:
            return code
    return ""


def _observation(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(resource.get("code"))
    category = _category(resource)
    kind = {"laboratory": Kind.RESULT, "vital-signs": Kind.VITAL}.get(category, Kind.OBSERVATION)
    start, _end = _period(resource, "effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued")
    fields: dict[str, Any] = {"code_system": system, "code": code, "category": category, "effective_at": start}
    notes: list[str] = []
    quantity = resource.get("valueQuantity")
    if isinstance(quantity, dict):
        fields["value_number"], as_text = _measured(quantity.get("value"), notes)
        if as_text:
            fields["value_text"] = as_text
        fields["unit"] = str(quantity.get("unit") or quantity.get("code") or "")[:64]
    elif isinstance(resource.get("valueCodeableConcept"), dict):
        fields["value_text"] = _coding(resource["valueCodeableConcept"])[2][:500]
    elif resource.get("valueString") is not None:
        fields["value_text"] = str(resource["valueString"])[:500]
    components = [c for c in resource.get("component") or [] if isinstance(c, dict)]
    if components and fields.get("value_number") is None and not fields.get("value_text"):
        fields["value_text"], fields["unit"] = _panel_value(components)
    reference = _first(resource, "referenceRange")
    if isinstance(reference, dict):
        low, high = ((reference.get(end) or {}).get("value") for end in ("low", "high"))
        fields["reference_low"], low_text = _measured(low, notes)
        fields["reference_high"], high_text = _measured(high, notes)
        # A bound too large to chart is said in words, as sent.
        shown = [as_sent(bound) if isinstance(bound, int | float) else "?" for bound in (low, high)]
        said = str(reference.get("text", "")) or (" - ".join(shown) if low_text or high_text else "")
        fields["reference_text"] = said[:200]
    interpretation = _coding(_first(resource, "interpretation"))[1]
    fields["interpretation"] = interpretation[:8]
    fields["status"] = str(resource.get("status", ""))
    return Projection(kind, display, fields, notes=notes)


# Blood pressure reads "top number / bottom number" whatever order the source sent them in.
PANEL_ORDER = {"8480-6": 0, "8462-4": 1}


def _panel_value(components: list[dict[str, Any]]) -> tuple[str, str]:
    """A panel such as blood pressure as one reading, "120/80" in mm[Hg], whole numbers."""
    measured = []
    for component in components:
        quantity = component.get("valueQuantity")
        if not isinstance(quantity, dict):
            continue
        number = _number(quantity.get("value"))
        if number is not None:
            code = _coding(component.get("code"))[1]
            measured.append((PANEL_ORDER.get(code, len(PANEL_ORDER)), number, str(quantity.get("unit", ""))))
    measured.sort(key=lambda entry: entry[0])
    text = "/".join(f"{number.quantize(Decimal(1)):f}" for _order, number, _unit in measured)
    return text[:500], (measured[0][2] if measured else "")[:64]


def _report(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(resource.get("code"))
    start, _end = _period(resource, "effectiveDateTime", "effectivePeriod", "issued")
    results = [ref.get("reference", "") for ref in resource.get("result") or [] if isinstance(ref, dict)]
    fields = {
        "code_system": system,
        "code": code,
        "category": _category(resource),
        "effective_at": start,
        "status": str(resource.get("status", "")),
    }
    fields["body"], attachments = _documents(resource.get("presentedForm") or [])
    return Projection(Kind.REPORT, display, fields, result_ids=results, attachments=attachments)


def _documents(forms: Any) -> tuple[str, list[Attachment]]:
    """The attachments with data, and the text of those that are text (for the page)."""
    try:
        attachments = [found for form in forms if (found := read_attachment(form)) is not None]
    except AttachmentError as error:
        raise ProjectionError(str(error)) from error
    return "\n\n".join(text for a in attachments if (text := a.text) is not None), attachments


def _condition(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(resource.get("code"))
    start, _ = _period(resource, "onsetDateTime", "onsetPeriod", "recordedDate")
    end, _ = _period(resource, "abatementDateTime", "abatementPeriod")
    status = _coding(resource.get("clinicalStatus"))[1]
    return Projection(
        Kind.PROBLEM,
        display,
        {
            "code_system": system,
            "code": code,
            "effective_at": start,
            "ended_at": end,
            "status": status,
            "category": _category(resource),
            "dedup_key": f"problem:{system}|{code}" if code else "",
        },
    )


def _contained(resource: dict[str, Any], reference: Any) -> dict[str, Any] | None:
    """The contained resource a local reference ("#med1") names."""
    target = reference.get("reference") if isinstance(reference, dict) else None
    if not isinstance(target, str) or not target.startswith("#"):
        return None
    found = [c for c in resource.get("contained") or [] if isinstance(c, dict) and c.get("id") == target[1:]]
    return found[0] if found else None


def _medication(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(resource.get("medicationCodeableConcept"))
    reference = resource.get("medicationReference")
    contained = _contained(resource, reference)
    if not display and contained is not None:
        # US Core's "contained" form: the Medication travels inside the request, with its code.
        system, code, display = _coding(contained.get("code"))
    if not display and isinstance(reference, dict):
        display = str(reference.get("display", ""))
    start, end = _period(resource, "authoredOn", "effectiveDateTime", "effectivePeriod", "dateAsserted")
    dosage = _first(resource, "dosageInstruction") or _first(resource, "dosage") or {}
    return Projection(
        Kind.MEDICATION,
        display,
        {
            "code_system": system,
            "code": code,
            "effective_at": start,
            "ended_at": end,
            "status": str(resource.get("status", "")),
            "value_text": str(dosage.get("text", ""))[:500],
            # Uncoded (a Medication referenced but not sent), a medicine is the same one when named the same.
            "dedup_key": f"medication:{system}|{code}" if code else thing_key("medication", display),
        },
    )


def _allergy(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(resource.get("code"))
    start, _ = _period(resource, "onsetDateTime", "recordedDate")
    reaction = _first(resource, "reaction") or {}
    manifestation = _coding(_first(reaction, "manifestation"))[2] if isinstance(reaction, dict) else ""
    return Projection(
        Kind.ALLERGY,
        display,
        {
            "code_system": system,
            "code": code,
            "effective_at": start,
            "status": _coding(resource.get("clinicalStatus"))[1],
            "category": str(_first(resource, "category") or ""),
            "value_text": manifestation[:500],
            "interpretation": str(resource.get("criticality", ""))[:8],
            "dedup_key": f"allergy:{system}|{code}" if code else "",
        },
    )


def _immunization(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(resource.get("vaccineCode"))
    start, _ = _period(resource, "occurrenceDateTime", "occurrenceString", "recorded")
    day = start.date().isoformat() if start else ""
    return Projection(
        Kind.IMMUNIZATION,
        display,
        {
            "code_system": system,
            "code": code,
            "effective_at": start,
            "status": str(resource.get("status", "")),
            "dedup_key": f"immunization:{system}|{code}|{day}" if code else "",
        },
    )


def _encounter(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(_first(resource, "type"))
    start, end = _period(resource, "period")
    visit_class = resource.get("class")
    category = str(visit_class.get("code", "")) if isinstance(visit_class, dict) else ""
    reason = _coding(_first(resource, "reasonCode"))[2]
    return Projection(
        Kind.VISIT,
        display or category,
        {
            "code_system": system,
            "code": code,
            "effective_at": start,
            "ended_at": end,
            "category": category,
            "status": str(resource.get("status", "")),
            "value_text": reason[:500],
            # Where it was: the place (Location), else the organization that gave the care.
            "reference_text": _visit_place(resource)[:200],
        },
    )


def _visit_place(resource: dict[str, Any]) -> str:
    for place in resource.get("location") or []:
        where = place.get("location") if isinstance(place, dict) else None
        if isinstance(where, dict) and where.get("display"):
            return str(where["display"])
    provider = resource.get("serviceProvider")
    return str(provider.get("display") or "") if isinstance(provider, dict) else ""


def _procedure(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(resource.get("code"))
    start, end = _period(resource, "performedDateTime", "performedPeriod")
    return Projection(
        Kind.PROCEDURE,
        display,
        {
            "code_system": system,
            "code": code,
            "effective_at": start,
            "ended_at": end,
            "status": str(resource.get("status", "")),
        },
    )


def _document(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(resource.get("type"))
    start, _ = _period(resource, "date")
    body, attachments = _documents(
        content.get("attachment") for content in resource.get("content") or [] if isinstance(content, dict)
    )
    return Projection(
        Kind.DOCUMENT,
        display,
        {
            "code_system": system,
            "code": code,
            "effective_at": start,
            "category": _category(resource),
            "status": str(resource.get("status", "")),
            "body": body,
        },
        attachments=attachments,
    )


# US Core's category that every care plan carries ("assessment and plan"): it names no plan.
GENERIC_CARE_PLAN = {"assess-plan", "734163000"}


NARRATIVE_NAME_LENGTH = 120
_TAG = re.compile(r"<[^>]*>")


def narrative_text(resource: dict[str, Any], length: int) -> str:
    """The resource's narrative (text.div) as plain text: tags dropped, entities read, spaces
    collapsed, cut to `length` characters with an ellipsis."""
    text = resource.get("text")
    div = text.get("div") if isinstance(text, dict) else None
    if not isinstance(div, str):
        return ""
    plain = " ".join(html.unescape(_TAG.sub(" ", div)).split())
    return Truncator(plain).chars(length)


def _care_plan(resource: dict[str, Any]) -> Projection:
    categories = [_coding(concept) for concept in resource.get("category") or []]
    named = [found for found in categories if found[1] not in GENERIC_CARE_PLAN and found[2]]
    system, code, display = named[0] if named else ("", "", "")
    display = str(resource.get("title") or "") or display or str(resource.get("description") or "")
    if not display and categories:
        system, code, display = categories[0]
    if not display:
        # A plan written only as narrative (US Core's CarePlan/colonoscopy): named by its text.
        display = narrative_text(resource, NARRATIVE_NAME_LENGTH)
    start, end = _period(resource, "period", "created")
    activities = []
    for activity in resource.get("activity") or []:
        detail = activity.get("detail") if isinstance(activity, dict) else None
        name = _coding(detail.get("code"))[2] if isinstance(detail, dict) else ""
        if name and name not in activities:
            activities.append(name)
    addresses = [str(ref.get("display", "")) for ref in resource.get("addresses") or [] if isinstance(ref, dict)]
    return Projection(
        Kind.CARE_PLAN,
        display,
        {
            "code_system": system,
            "code": code,
            "effective_at": start,
            "ended_at": end,
            "status": str(resource.get("status", "")),
            "value_text": "; ".join(activities)[:500],
            "reference_text": "; ".join(name for name in addresses if name)[:200],
        },
    )


def _goal(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(resource.get("description"))
    start, _ = _period(resource, "startDate", "statusDate")
    target = _first(resource, "target")
    due = parse_when(target.get("dueDate")) if isinstance(target, dict) else None
    achievement = _coding(resource.get("achievementStatus"))
    return Projection(
        Kind.GOAL,
        display,
        {
            "code_system": system,
            "code": code,
            "effective_at": start,
            "ended_at": due,
            "status": str(resource.get("lifecycleStatus", "")),
            # How far along it is ("in-progress", "achieved"), as the care team coded it.
            "category": achievement[1],
            "dedup_key": thing_key("goal", code or display),
        },
    )


def _imaging_study(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(_first(resource, "procedureCode"))
    start, _ = _period(resource, "started")
    series = [s for s in resource.get("series") or [] if isinstance(s, dict)]
    modalities = []
    for part in series:
        for concept in (part.get("modality"), part.get("bodySite")):
            name = str(concept.get("display") or concept.get("code") or "") if isinstance(concept, dict) else ""
            if name and name not in modalities:
                modalities.append(name)
    described = str(resource.get("description") or "")
    display = described or display
    # With no description or procedure, the study is named by its kind and body part (said once).
    display, details = (display, ", ".join(modalities)) if display else (", ".join(modalities), "")
    images = resource.get("numberOfInstances")
    return Projection(
        Kind.IMAGING,
        display,
        {
            "code_system": system,
            "code": code,
            "effective_at": start,
            "status": str(resource.get("status", "")),
            "value_text": details[:500],
            "value_number": _number(images) if isinstance(images, int) and not isinstance(images, bool) else None,
        },
    )


def _device(resource: dict[str, Any]) -> Projection:
    system, code, display = _coding(resource.get("type"))
    names = [n for n in resource.get("deviceName") or [] if isinstance(n, dict) and n.get("name")]
    friendly = [n for n in names if n.get("type") == "user-friendly-name"]
    # The name a patient would use, else the kind of device, else the label's name.
    display = str(friendly[0]["name"]) if friendly else display or (str(names[0]["name"]) if names else "")
    carrier = _first(resource, "udiCarrier")
    udi = str(carrier.get("deviceIdentifier") or carrier.get("carrierHRF") or "") if isinstance(carrier, dict) else ""
    made_by = " ".join(str(resource.get(name) or "") for name in ("manufacturer", "modelNumber")).strip()
    serial = " ".join(str(resource.get(name) or "") for name in ("serialNumber", "lotNumber")).strip()
    # A device has no date of its own that a patient would know it by (R4 keeps when it was
    # implanted on the Procedure): undated, it lists after the dated ones.
    return Projection(
        Kind.DEVICE,
        display,
        {
            "code_system": system,
            "code": code,
            "status": str(resource.get("status", "")),
            "value_text": made_by[:500],
            "reference_text": udi[:200],
            # Without a UDI, the same kind of device by the same maker (and serial or lot, if sent)
            # from two sources is one; two of them from one source stay two.
            "dedup_key": thing_key("device", udi) if udi else paired_key("device", code or display, made_by, serial),
        },
    )


def _media(resource: dict[str, Any]) -> Projection:
    """A picture or recording a source attached to the record (an EKG strip, an X-ray image): a
    document whose file is the picture."""
    system, code, display = _coding(resource.get("type"))
    for concept in (resource.get("view"), resource.get("modality")):
        if isinstance(concept, dict):
            found = _coding(concept)
            system, code, display = found if found[2] else (system, code, display)
    content = resource.get("content")
    title = str(content.get("title") or "") if isinstance(content, dict) else ""
    start, _ = _period(resource, "createdDateTime", "createdPeriod", "issued")
    body, attachments = _documents([content] if isinstance(content, dict) else [])
    return Projection(
        Kind.DOCUMENT,
        title or display,
        {
            "code_system": system,
            "code": code,
            "effective_at": start,
            "status": str(resource.get("status", "")),
            "body": body,
        },
        attachments=attachments,
    )


PROJECTORS = {
    "Observation": _observation,
    "DiagnosticReport": _report,
    "Condition": _condition,
    "MedicationRequest": _medication,
    "MedicationStatement": _medication,
    "AllergyIntolerance": _allergy,
    "Immunization": _immunization,
    "Encounter": _encounter,
    "Procedure": _procedure,
    "DocumentReference": _document,
    "CarePlan": _care_plan,
    "Goal": _goal,
    "ImagingStudy": _imaging_study,
    "Device": _device,
    "Media": _media,
}


def project(resource: dict[str, Any]) -> Projection | None:
    """The record line for a clinical resource; None for types kept raw only."""
    projector = PROJECTORS.get(str(resource.get("resourceType")))
    if projector is None:
        return None
    projection = projector(resource)
    if not projection.display:
        raise ProjectionError("The resource has no code or name to show.")
    projection.display = projection.display[:300]
    if "dedup_key" not in projection.fields:
        content = content_digest(
            str(projection.fields.get("body") or ""), [file.url or file.sha256 for file in projection.attachments]
        )
        projection.fields["dedup_key"] = event_key(projection.kind, projection.display, projection.fields, content)
    _check_lengths(projection)
    return projection


def _check_lengths(projection: Projection) -> None:
    """A value longer than its column is reported, never cut or left to fail the batch's write."""
    for name, value in projection.fields.items():
        limit = getattr(RecordItem._meta.get_field(name), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            raise ProjectionError(f"The {name.replace('_', ' ')} is longer than {limit} characters.")
        if isinstance(value, str) and "\x00" in value:
            raise ProjectionError(f"The {name.replace('_', ' ')} contains a NUL character.")
