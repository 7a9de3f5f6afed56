"""Whose record is this? Match a source system's Patient resource to a portal patient.

In order: a link made before; the source's medical record number when the
source is the patient's home clinic; then name, birth date and sex. Only an
exact, single demographic match links automatically. A near match (same birth
date and one name) or several candidates go to staff as a `MatchReview`:
two people are never merged on a guess.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from portal.models import Organization, Patient
from records.fhir.projection import ProjectionError, parse_when
from records.models import MatchReview, SourcePatientLink

MRN_TYPE = "MR"


@dataclass(frozen=True)
class Demographics:
    source_id: str
    given: str
    family: str
    birth_date: Any
    gender: str
    mrn: str

    @classmethod
    def of(cls, resource: dict[str, Any]) -> Demographics:
        names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
        official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
        given = official.get("given") or [""]
        birth = parse_when(resource.get("birthDate"))
        if birth is None:
            raise ProjectionError("The patient has no birth date.")
        return cls(
            source_id=str(resource.get("id", "")),
            given=str(given[0] if given else ""),
            family=str(official.get("family", "")),
            birth_date=birth.date(),
            gender=str(resource.get("gender", "unknown")),
            mrn=_mrn(resource),
        )


def _mrn(resource: dict[str, Any]) -> str:
    for identifier in resource.get("identifier") or []:
        codes = {c.get("code") for c in ((identifier.get("type") or {}).get("coding") or []) if isinstance(c, dict)}
        if MRN_TYPE in codes and identifier.get("value"):
            return str(identifier["value"])
    return ""


def fold(name: str) -> str:
    """Case- and accent-insensitive form of a name: "Lucía" and "LUCIA" compare equal."""
    decomposed = unicodedata.normalize("NFKD", name.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Match:
    patient: Patient | None
    how: str  # "link", "identifier", "demographics", "review", "unmatched"


def match(source: Organization, person: Demographics) -> Match:
    link = (
        SourcePatientLink.objects.select_related("patient")
        .filter(source=source, source_patient_id=person.source_id)
        .first()
    )
    if link is not None:
        return Match(link.patient, "link")
    if person.mrn:
        by_mrn = Patient.objects.filter(home_organization=source, mrn=person.mrn).first()
        if by_mrn is not None:
            return Match(by_mrn, "identifier")
    same_day = list(Patient.objects.filter(birth_date=person.birth_date))
    exact = [
        p
        for p in same_day
        if fold(p.family_name) == fold(person.family)
        and fold(p.given_name) == fold(person.given)
        and p.gender in (person.gender, Patient.Gender.UNKNOWN)
    ]
    if len(exact) == 1:
        return Match(exact[0], "demographics")
    near = exact or [
        p for p in same_day if fold(p.family_name) == fold(person.family) or fold(p.given_name) == fold(person.given)
    ]
    if near:
        return Match(None, "review")
    return Match(None, "unmatched")


def candidates_for(person: Demographics) -> list[Patient]:
    return list(
        Patient.objects.filter(birth_date=person.birth_date).filter(
            Q(family_name__iexact=person.family) | Q(given_name__iexact=person.given)
        )
    )


def review_for(source: Organization, person: Demographics, run_id: int) -> MatchReview:
    """Queue the person for staff, once per source patient."""
    review, _created = MatchReview.objects.get_or_create(
        source=source,
        source_patient_id=person.source_id,
        status=MatchReview.Status.PENDING,
        defaults={
            "run_id": run_id,
            "given_name": person.given,
            "family_name": person.family,
            "birth_date": person.birth_date,
            "gender": person.gender,
        },
    )
    review.candidates.set(candidates_for(person))
    return review
