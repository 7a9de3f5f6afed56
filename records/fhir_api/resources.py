"""Build the FHIR resources the API returns: clinical ones from the source's raw JSON under
the portal's ids, the Patient (US Core) from the portal's own record of the person."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from portal.models import Organization, Patient
from records.fhir.projection import SUBJECT_ELEMENT
from records.fhir_api import conformance
from records.fhir_api.resource_types import US_CORE
from records.fhir_api.rewrite_references import ReferenceMap
from records.models import RecordItem, SourceRecord

MR_TYPE = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR", "display": "Medical record number"}
    ],
    "text": "Medical record number",
}
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def source_uri(organization: Organization) -> str:
    """`meta.source`: the organization that sent (or, for Patient, keeps) the resource."""
    return f"urn:portal:organization:{organization.slug}"


def _meta(organization: Organization, *, profiles: list[str], tags: list[dict[str, str]]) -> dict[str, Any]:
    meta: dict[str, Any] = {"source": source_uri(organization)}
    if profiles:
        meta["profile"] = profiles
    meta["tag"] = [
        {"system": "urn:portal:source-organization", "code": organization.slug, "display": organization.name}
    ]
    meta["tag"] += tags
    return meta


def clinical(record: SourceRecord, references: ReferenceMap) -> dict[str, Any]:
    """The source's resource as it sent it, under the portal's id, references and provenance.
    `record` comes with its `item` and `source` (select_related)."""
    resource = references.rewrite(record)
    resource["id"] = str(record.pk)
    narrative = resource.get("text")
    if narrative is not None and not (isinstance(narrative, dict) and isinstance(narrative.get("div"), str)):
        # A narrative without its XHTML is not one (R4 requires `div`): some sources leave it to be
        # generated (US Core's own examples do); the portal does not write one in the source's name.
        del resource["text"]
    # Whom it is about is known whatever the source's reference said (the import matched it).
    subject = SUBJECT_ELEMENT.get(record.resource_type)
    if subject is not None and record.patient_id is not None:
        said = resource.get(subject)
        resource[subject] = {**(said if isinstance(said, dict) else {}), "reference": f"Patient/{record.patient_id}"}
    # The source's tags and security labels stay; its version and dates are the portal's now, and
    # its profiles are claimed again only where the served resource meets them (conformance.py).
    raw_meta: dict[str, Any] = resource["meta"] if isinstance(resource.get("meta"), dict) else {}
    tags: list[dict[str, str]] = list(raw_meta.get("tag") or [])
    item: RecordItem = record.item
    if item.release == RecordItem.Release.HELD:
        tags.append({"system": "urn:portal:release", "code": "held", "display": "Held for clinician review"})
    resource["meta"] = _meta(record.source, profiles=[], tags=tags)
    resource["meta"]["versionId"] = str(record.version)
    resource["meta"]["lastUpdated"] = record.updated_at.isoformat()
    security = list(raw_meta.get("security") or [])
    if item.confidential:
        security.append({"system": CONFIDENTIALITY, "code": "R", "display": "restricted"})
    if security:
        resource["meta"]["security"] = security
    if record.resource_type == "MedicationRequest" and not any(
        key in resource for key in ("medicationCodeableConcept", "medicationReference")
    ):
        # The medication was a reference we could not follow: keep what the record calls it.
        resource["medicationCodeableConcept"] = {"text": item.display}
    return conformance.conform(resource)


def patient(person: Patient, sources: Sequence[SourceRecord] = ()) -> dict[str, Any]:
    """A US Core Patient: who the person is from the portal's record (`home_organization`
    select_related), with what the sources said of them that the portal keeps no field for
    (`sources`: their Patient records, newest first; see `from_sources`)."""
    clinic = person.home_organization
    names: list[dict[str, Any]] = [{"use": "official", "family": person.family_name, "given": [person.given_name]}]
    if person.preferred_name and person.preferred_name != person.given_name:
        names.append({"use": "usual", "family": person.family_name, "given": [person.preferred_name]})
    telecom = [
        {"system": system, "value": value, "use": "home"}
        for system, value in (("email", person.email), ("phone", person.phone))
        if value
    ]
    language = person.preferred_language
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(person.pk),
        "meta": _meta(clinic, profiles=[f"{US_CORE}us-core-patient"], tags=[]),
        "identifier": [
            {
                "use": "usual",
                "type": MR_TYPE,
                "system": clinic.mrn_system or f"urn:portal:mrn:{clinic.slug}",
                "value": person.mrn,
                "assigner": {"display": clinic.name},
            }
        ],
        "active": True,
        "name": names,
        "telecom": telecom,
        "gender": person.gender,
        "birthDate": person.birth_date.isoformat(),
        "address": [{"text": person.address}] if person.address else [],
        "communication": [
            {
                "language": {
                    "coding": [
                        {
                            "system": "urn:ietf:bcp:47",
                            "code": language,
                            "display": LANGUAGE_NAMES.get(language, language),
                        }
                    ],
                    "text": LANGUAGE_NAMES.get(language, language),
                },
                "preferred": True,
            }
        ],
    }
    from_sources(resource, sources)
    return {key: value for key, value in resource.items() if value != []}


# Elements of a source's Patient served as the newest source that gave them said them: one
# answer each (US Core allows one race, one ethnicity, one birth sex, one death).
LATEST_SAYS = ("maritalStatus", "multipleBirthBoolean", "multipleBirthInteger")
DECEASED = ("deceasedDateTime", "deceasedBoolean")


def from_sources(resource: dict[str, Any], sources: Sequence[SourceRecord]) -> None:
    """Add to the portal's Patient what its sources said and the portal has no field for: death,
    addresses and contact points (every distinct one), extensions (race, ethnicity, birth sex...:
    each kind from the newest source that gave it), marital status. Each source is named in
    `meta.tag`. A person any source says has died is not an active record."""
    raws = [record.raw for record in sources if isinstance(record.raw, dict)]
    if not raws:
        return
    for record in sources:
        tag = {"system": "urn:portal:source-organization", "code": record.source.slug, "display": record.source.name}
        if tag not in resource["meta"]["tag"]:
            resource["meta"]["tag"].append(tag)
    deaths = [(key, raw[key]) for raw in raws for key in DECEASED if raw.get(key) not in (None, "", False)]
    dated = [(key, value) for key, value in deaths if key == "deceasedDateTime" and isinstance(value, str)]
    if deaths:
        key, value = dated[0] if dated else ("deceasedBoolean", True)
        resource[key] = value
        resource["active"] = False
    elif any(raw.get("deceasedBoolean") is False for raw in raws):
        resource["deceasedBoolean"] = False
    for name in ("address", "telecom"):
        kept = list(resource[name])
        for raw in raws:
            for element in raw.get(name) or []:
                if not isinstance(element, dict) or not element:
                    continue
                same = _same_as(kept, element, name)
                if same is None:
                    kept.append(element)
                elif name == "address" and set(kept[same]) == {"text"} and set(element) - {"text"}:
                    # The portal's one-line address is this source's, said in parts: serve the parts.
                    kept[same] = element
        resource[name] = kept
    extensions: list[dict[str, Any]] = []
    taken: set[str] = set()
    for raw in raws:
        given = [e for e in raw.get("extension") or [] if isinstance(e, dict) and isinstance(e.get("url"), str)]
        urls = {e["url"] for e in given} - taken
        extensions += [e for e in given if e["url"] in urls]
        taken |= urls
    if extensions:
        resource["extension"] = extensions
    for name in LATEST_SAYS:
        said = next((raw[name] for raw in raws if raw.get(name) not in (None, "", {})), None)
        if said is not None and not (name.startswith("multipleBirth") and _said_multiple_birth(resource)):
            resource[name] = said


def _said_multiple_birth(resource: dict[str, Any]) -> bool:
    return any(key.startswith("multipleBirth") for key in resource)


def _same_as(kept: list[dict[str, Any]], element: dict[str, Any], name: str) -> int | None:
    """The position in `kept` of the same address or contact point, said however each source said it."""
    same = _same_address if name == "address" else _same_contact
    return next((n for n, other in enumerate(kept) if same(other, element)), None)


def _same_contact(one: dict[str, Any], other: dict[str, Any]) -> bool:
    return _comparable(one) == _comparable(other)


_WORD = re.compile(r"[a-z0-9]+")


def _words(*parts: Any) -> list[str]:
    return _WORD.findall(" ".join(str(part) for part in parts if isinstance(part, str)).lower())


def _address_parts(address: dict[str, Any]) -> tuple[list[str], str]:
    """The words of the street and town, and the 5-digit ZIP: what tells two addresses apart
    (not the state's spelling, the country, a geolocation extension or `use`)."""
    said = address.get("line")
    lines: list[Any] = said if isinstance(said, list) else []
    postal = "".join(ch for ch in str(address.get("postalCode") or "") if ch.isdigit())[:5]
    return _words(*lines, address.get("city")), postal


def _same_address(one: dict[str, Any], other: dict[str, Any]) -> bool:
    if one == other:
        return True
    (one_words, one_zip), (other_words, other_zip) = _address_parts(one), _address_parts(other)
    if one_words and other_words:
        return one_words == other_words and (one_zip == other_zip or not one_zip or not other_zip)
    # One is said only as text ("1019 Zemlak View, Springfield, MA 01013"): the same when the
    # other's street, town and ZIP are all in it; two texts, when their words are the same.
    text_one, text_other = _words(one.get("text")), _words(other.get("text"))
    if not one_words and not other_words:
        return bool(text_one) and text_one == text_other
    parts, postal, text = (other_words, other_zip, text_one) if not one_words else (one_words, one_zip, text_other)
    return bool(text) and all(word in text for word in parts) and (not postal or postal in text)


def _comparable(contact: dict[str, Any]) -> tuple[str, str]:
    """A contact point as compared: phone numbers by their digits, anything else case-blind."""
    value = str(contact.get("value", ""))
    system = str(contact.get("system", ""))
    if system in ("phone", "fax", "sms"):
        digits = "".join(ch for ch in value if ch.isdigit())
        return "phone", digits[-10:]
    return system, value.strip().lower()
