"""Demo records: believable FHIR R4 from the four systems that hold a piece of each demo patient's care.

For every demo patient this builds one Bundle per source system (the home clinic, the lab, and for some
patients the cardiologist and the hospital), writes it to a temporary file and imports it through the real
importer, so matching, upserts, release rules and de-duplication run exactly as for a real feed.

The stories (each patient's problems, medicines, visits, results and the notes of their outside care) and
the codes they use are data: records/content/demo/stories.toml and vocabulary.toml, loaded and checked
when this module is imported (a name the vocabulary lacks raises DemoDataError naming the file). The
measures and panels stay here, because the code builds on their reference ranges.

Deterministic: resource ids are uuid5 of (source, MRN, key), values come from random generators seeded by
the MRN, and dates count back from the Monday of the current week, so the record always looks recent. A
second run in the same week writes identical JSON, so the importer finds every content hash unchanged and
writes nothing; in a later week the dates move and the importer updates what changed.

Sources send no confidentiality flag. The built-in minor-consent rules (records/services/minor_consent.py)
mark 15-year-old Emma Thompson's anxiety care confidential at import: the problem, the sertraline prescribed
for it, her follow-up visits for it and their note. Her father, who holds a guardian's access, never sees
them; she and her clinicians do.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import tempfile
import tomllib
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from portal.demo_builders import DemoChanges, DemoClinic
from portal.models import CareTeamMembership, Organization, Patient
from records.fhir.projection import SUBJECT_ELEMENT
from records.models import ImportRun
from records.services.imports import import_run_create, import_run_execute

log = logging.getLogger(__name__)

HOME, LAB, CARDIOLOGY, HOSPITAL = "lakeside", "northgate-labs", "riverside-cardiology", "st-marys-regional"
CLINIC_ZONE = ZoneInfo("America/Chicago")
NAMESPACE = uuid.UUID("0b5bd0a4-3c1e-4f0e-9a57-6c1d2b8e4f21")  # fixed, so ids stay the same run after run
HOSPITALIST = "Maria Alvarez, MD"

LOINC, SNOMED, CVX = "http://loinc.org", "http://snomed.info/sct", "http://hl7.org/fhir/sid/cvx"
RXNORM, UCUM = "http://www.nlm.nih.gov/research/umls/rxnorm", "http://unitsofmeasure.org"
HL7 = "http://terminology.hl7.org/CodeSystem/"
NOTE_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"

Resource = dict[str, Any]
Code = tuple[str, str]  # (code, display)

# -- measurements: one description serves vital signs and lab results ------------------------------------------

UNIT_LABELS = {"[lb_av]": "lb", "[in_i]": "in", "[degF]": "°F", "m[IU]/L": "mIU/L", "mL/min/{1.73_m2}": "mL/min/1.73m2"}
Norms = tuple[float | None, float | None, float]  # reference low, reference high, typical value


@dataclass(frozen=True)
class Measure:
    code: str  # LOINC
    display: str
    ucum: str = ""
    digits: int = 0
    low: float | None = None  # the reference range (for women, and for everyone unless `male` is set)
    high: float | None = None
    typical: float = 0.0
    spread: float = 0.0  # a believable random wobble around `typical`
    male: Norms | None = None

    def norms(self, is_male: bool) -> Norms:
        return self.male if is_male and self.male else (self.low, self.high, self.typical)

    def rounded(self, value: float) -> float:
        return round(value) if self.digits == 0 else round(value, self.digits)

    def quantity(self, value: float) -> Resource:
        unit = UNIT_LABELS.get(self.ucum, self.ucum)
        return {"value": self.rounded(value), "unit": unit, "system": UCUM, "code": self.ucum}


# fmt: off
SYSTOLIC = Measure("8480-6", "Systolic blood pressure", "mm[Hg]")
DIASTOLIC = Measure("8462-4", "Diastolic blood pressure", "mm[Hg]")
BLOOD_PRESSURE = Measure("85354-9", "Blood pressure panel with all children optional")
HEART_RATE = Measure("8867-4", "Heart rate", "/min")
WEIGHT = Measure("29463-7", "Body weight", "[lb_av]", 1)
HEIGHT = Measure("8302-2", "Body height", "[in_i]", 1)
BMI = Measure("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", 1)
SPO2 = Measure("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%")
TEMPERATURE = Measure("8310-5", "Body temperature", "[degF]", 1)
BREATHING = Measure("9279-1", "Respiratory rate", "/min")

A1C, GLUCOSE, CREATININE, EGFR, TSH = "4548-4", "2339-0", "38483-4", "33914-3", "3016-3"
HEMOGLOBIN, HEMATOCRIT, RBC, LDL, CHOLESTEROL = "718-7", "4544-3", "789-8", "18262-6", "2093-3"
TESTS = {test.code: test for test in (
    Measure("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10*3/uL", 1, 4.5, 11.0, 6.8, 1.2),
    Measure(RBC, "Erythrocytes [#/volume] in Blood by Automated count", "10*6/uL", 2, 4.2, 5.4, 4.6, 0.2,
            male=(4.7, 6.1, 5.1)),
    Measure(HEMOGLOBIN, "Hemoglobin [Mass/volume] in Blood", "g/dL", 1, 12.0, 15.5, 13.4, 0.5, male=(13.5, 17.5, 15.0)),
    Measure(HEMATOCRIT, "Hematocrit [Volume Fraction] of Blood by Automated count", "%", 1, 36, 46, 40, 1.5,
            male=(41, 53, 45)),
    Measure("777-3", "Platelets [#/volume] in Blood by Automated count", "10*3/uL", 0, 150, 400, 250, 40),
    Measure(GLUCOSE, "Glucose [Mass/volume] in Blood", "mg/dL", 0, 70, 99, 89, 7),
    Measure("6299-2", "Urea nitrogen [Mass/volume] in Blood", "mg/dL", 0, 7, 20, 14, 3),
    Measure(CREATININE, "Creatinine [Mass/volume] in Blood", "mg/dL", 2, 0.59, 1.04, 0.78, 0.08,
            male=(0.74, 1.35, 0.98)),
    Measure(EGFR, "Glomerular filtration rate/1.73 sq M.predicted by Creatinine-based formula", "mL/min/{1.73_m2}",
            0, 60),
    Measure("2947-0", "Sodium [Moles/volume] in Blood", "mmol/L", 0, 136, 145, 140, 2),
    Measure("6298-4", "Potassium [Moles/volume] in Blood", "mmol/L", 1, 3.5, 5.1, 4.2, 0.3),
    Measure("2069-3", "Chloride [Moles/volume] in Blood", "mmol/L", 0, 98, 107, 102, 2),
    Measure("20565-8", "Carbon dioxide, total [Moles/volume] in Blood", "mmol/L", 0, 22, 29, 25, 2),
    Measure("49765-1", "Calcium [Mass/volume] in Blood", "mg/dL", 1, 8.6, 10.3, 9.4, 0.3),
    Measure("2885-2", "Protein [Mass/volume] in Serum or Plasma", "g/dL", 1, 6.0, 8.3, 7.1, 0.3),
    Measure("1751-7", "Albumin [Mass/volume] in Serum or Plasma", "g/dL", 1, 3.5, 5.0, 4.2, 0.2),
    Measure("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "mg/dL", 1, 0.1, 1.2, 0.6, 0.2),
    Measure("6768-6", "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 0, 44, 147, 76,
            14),
    Measure("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 0, 7, 56, 23,
            7),
    Measure("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 0, 10, 40,
            22, 5),
    Measure(CHOLESTEROL, "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", 0, None, 199, 182, 14),
    Measure(LDL, "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", "mg/dL", 0, None, 99, 90,
            12),
    Measure("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL", 0, 40, None, 58, 6,
            male=(40, None, 47)),
    Measure("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL", 0, None, 149, 118, 25),
    Measure(A1C, "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 1, None, 5.6, 5.3, 0.2),
    Measure(TSH, "Thyrotropin [Units/volume] in Serum or Plasma", "m[IU]/L", 2, 0.45, 4.5, 1.9, 0.6),
)}
# fmt: on
NT_PROBNP = Measure("33762-6", "Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma", "pg/mL")
EJECTION_FRACTION = Measure("10230-1", "Left ventricular Ejection fraction", "%", 0, 53, 73)


@dataclass(frozen=True)
class Panel:
    code: str  # LOINC
    display: str
    tests: tuple[str, ...]


BMP_TESTS = (GLUCOSE, "6299-2", CREATININE, EGFR, "2947-0", "6298-4", "2069-3", "20565-8", "49765-1")
PANELS = {
    "cbc": Panel("58410-2", "CBC panel - Blood by Automated count", ("6690-2", RBC, HEMOGLOBIN, HEMATOCRIT, "777-3")),
    "bmp": Panel("51990-0", "Basic metabolic panel - Blood", BMP_TESTS),
    "cmp": Panel(
        "24323-8",
        "Comprehensive metabolic panel - Serum or Plasma",
        (*BMP_TESTS, "2885-2", "1751-7", "1975-2", "6768-6", "1742-6", "1920-8"),
    ),
    "lipids": Panel("57698-3", "Lipid panel with direct LDL - Serum or Plasma", (CHOLESTEROL, LDL, "2085-9", "2571-8")),
    "a1c": Panel(A1C, "Hemoglobin A1c", (A1C,)),
    "tsh": Panel(TSH, "Thyroid stimulating hormone (TSH)", (TSH,)),
}
ECHO = Panel("34552-0", "Cardiac 2D echo panel", (EJECTION_FRACTION.code,))
NT_PROBNP_REPORT = Panel(NT_PROBNP.code, "NT-proBNP", (NT_PROBNP.code,))

# -- the patients' stories ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Consult:
    """A visit to Riverside Cardiology."""

    days_ago: int
    problem: str  # the same PROBLEMS key as at the home clinic
    medication: str  # the heart medicine the cardiologist manages (the home clinic lists it too)
    ejection_fraction: int
    nt_probnp: float
    note: str
    prescribes: str = ""  # a medicine only the cardiologist prescribes (not on the home clinic's list)


@dataclass(frozen=True)
class Stay:
    """An emergency visit (days == 0) or an admission at St. Mary's Regional Hospital."""

    days_ago: int
    days: int
    problem: str
    procedure: str
    vitals: tuple[tuple[Measure, float], ...]
    summary: str
    vaccine: str = ""  # given at the hospital; the home clinic records the same dose from the state registry


@dataclass(frozen=True)
class Story:
    summary: str  # why the latest visit happened, for its note
    plan: str
    problems: tuple[tuple[str, float], ...] = ()  # (PROBLEMS key, years since onset)
    medications: tuple[str, ...] = ()
    allergies: tuple[str, ...] = ()
    visits: int = 4
    weight: tuple[float, float] = (160, 160)  # lb at the first visit and at the latest
    height: tuple[float, float] = (66, 66)  # in
    blood_pressure: tuple[tuple[int, int], tuple[int, int]] = ((118, 76), (118, 76))
    pulse: tuple[int, int] = (72, 72)
    draws: int = 3  # lab draws at Northgate, before the latest visits
    panels: tuple[str, ...] = ("bmp", "lipids", "cbc")
    labs: dict[str, tuple[float, ...]] = field(default_factory=dict)  # LOINC -> values, first draw to latest
    consult: Consult | None = None
    stay: Stay | None = None
    treats: dict[str, str] = field(default_factory=dict)  # MEDICATIONS key -> the PROBLEMS key it is for


@dataclass(frozen=True)
class Allergy:
    system: str
    code: str
    display: str
    category: str  # medication, food, environment
    reaction: Code  # SNOMED CT manifestation
    kind: str = "allergy"  # or "intolerance"
    criticality: str = "low"


class DemoDataError(ValueError):
    """A demo data file is malformed or names something that does not exist; the message names the file."""


CONTENT = Path(__file__).resolve().parent / "content" / "demo"
VOCABULARY_FILE, STORIES_FILE = CONTENT / "vocabulary.toml", CONTENT / "stories.toml"
# The measures a hospital stay's vital signs name, by LOINC code.
VITAL_SIGNS = {m.code: m for m in (SYSTOLIC, DIASTOLIC, HEART_RATE, WEIGHT, HEIGHT, BMI, SPO2, TEMPERATURE, BREATHING)}


@dataclass(frozen=True)
class Vocabulary:
    """The codes the demo records use, by the short names the stories use."""

    problems: dict[str, Code]  # SNOMED CT
    medications: dict[str, tuple[str, str, str]]  # RxNorm code, display, the instructions on the label
    allergies: dict[str, Allergy]
    vaccines: dict[str, Code]  # CVX
    childhood_schedule: tuple[tuple[str, int], ...]  # (vaccine, age in months)
    procedures: dict[str, Code]  # SNOMED CT


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DemoDataError(f"{path}: {error}") from error


def _tuples(value: Any) -> Any:
    """TOML arrays as the tuples the code compares and unpacks."""
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def _build(path: Path, where: str, kind: Callable[..., Any], spec: Any, **fields: Any) -> Any:
    if not isinstance(spec, dict):
        raise DemoDataError(f"{path}: {where}: expected a table")
    try:
        return kind(**{name: _tuples(value) for name, value in spec.items()} | fields)
    except TypeError as error:  # a missing or unknown field
        raise DemoDataError(f"{path}: {where}: {error}") from error


def _known(path: Path, where: str, names: Iterable[str], known: Iterable[str], what: str) -> None:
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise DemoDataError(f"{path}: {where}: unknown {what} {unknown}")


def load_vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    document = _read(path)
    try:
        vocabulary = Vocabulary(
            problems={name: _tuples(code) for name, code in document["problems"].items()},
            medications={name: _tuples(drug) for name, drug in document["medications"].items()},
            allergies={
                name: _build(path, f"allergies.{name}", Allergy, spec) for name, spec in document["allergies"].items()
            },
            vaccines={name: _tuples(code) for name, code in document["vaccines"].items()},
            childhood_schedule=_tuples(document["childhood_schedule"]),
            procedures={name: _tuples(code) for name, code in document["procedures"].items()},
        )
    except KeyError as error:
        raise DemoDataError(f"{path}: missing {error}") from error
    for table in ("problems", "medications", "vaccines", "procedures"):
        size = 3 if table == "medications" else 2
        for name, entry in getattr(vocabulary, table).items():
            if len(entry) != size or not all(isinstance(part, str) and part for part in entry):
                raise DemoDataError(f"{path}: {table}.{name}: expected {size} non-empty strings")
    schedule = [vaccine for vaccine, _months in vocabulary.childhood_schedule]
    _known(path, "childhood_schedule", schedule, vocabulary.vaccines, "vaccines")
    return vocabulary


def _story(path: Path, mrn: str, spec: Any, vocabulary: Vocabulary) -> Story:
    where = f"stories.{mrn}"
    if not isinstance(spec, dict):
        raise DemoDataError(f"{path}: {where}: expected a table")
    spec = dict(spec)
    extra: dict[str, Any] = {"problems": tuple(spec.pop("problems", {}).items())}
    if "consult" in spec:
        extra["consult"] = _build(path, f"{where}.consult", Consult, spec.pop("consult"))
    if "stay" in spec:
        stay = dict(spec.pop("stay"))
        vitals = stay.pop("vitals", {})
        _known(path, f"{where}.stay.vitals", vitals, VITAL_SIGNS, "vital signs")
        stay["vitals"] = tuple((VITAL_SIGNS[code], value) for code, value in vitals.items())
        extra["stay"] = _build(path, f"{where}.stay", Stay, stay)
    if "labs" in spec:
        extra["labs"] = {code: _tuples(values) for code, values in spec.pop("labs").items()}
    story: Story = _build(path, where, Story, spec, **extra)
    problems = [name for name, _years in story.problems]
    _known(path, f"{where}.problems", problems, vocabulary.problems, "problems")
    _known(path, f"{where}.medications", story.medications, vocabulary.medications, "medications")
    _known(path, f"{where}.allergies", story.allergies, vocabulary.allergies, "allergies")
    _known(path, f"{where}.panels", story.panels, PANELS, "panels")
    _known(path, f"{where}.labs", story.labs, TESTS, "tests")
    _known(path, f"{where}.treats", story.treats, story.medications, "medications (not in its medications)")
    _known(path, f"{where}.treats", story.treats.values(), problems, "problems (not in its problems)")
    if story.consult:
        _known(path, f"{where}.consult", [story.consult.problem], problems, "problems (not in its problems)")
        _known(path, f"{where}.consult", [story.consult.medication], story.medications, "medications")
        if story.consult.prescribes:
            _known(path, f"{where}.consult", [story.consult.prescribes], vocabulary.medications, "medications")
    if story.stay:
        _known(path, f"{where}.stay", [story.stay.problem], vocabulary.problems, "problems")
        _known(path, f"{where}.stay", [story.stay.procedure], vocabulary.procedures, "procedures")
        _known(
            path, f"{where}.stay", [story.stay.vaccine] if story.stay.vaccine else [], vocabulary.vaccines, "vaccines"
        )
    return story


def load_stories(vocabulary: Vocabulary, path: Path = STORIES_FILE) -> dict[str, Story]:
    """Each demo patient's story by MRN, checked against the vocabulary."""
    stories = _read(path).get("stories")
    if not isinstance(stories, dict) or not stories:
        raise DemoDataError(f"{path}: no [stories.<MRN>] tables")
    return {mrn: _story(path, mrn, spec, vocabulary) for mrn, spec in stories.items()}


VOCABULARY = load_vocabulary()
PROBLEMS, MEDICATIONS, ALLERGIES = VOCABULARY.problems, VOCABULARY.medications, VOCABULARY.allergies
VACCINES, CHILDHOOD_SCHEDULE, PROCEDURES = VOCABULARY.vaccines, VOCABULARY.childhood_schedule, VOCABULARY.procedures
STORIES: dict[str, Story] = load_stories(VOCABULARY)

# -- a bundle and its resources, one helper per resource type ------------------------------------------------


def concept(system: str, code: str, display: str = "") -> Resource:
    coding = {"system": system, "code": code} | ({"display": display} if display else {})
    return {"coding": [coding]} | ({"text": display} if display else {})


def at(day: date, minutes: int) -> str:
    """A FHIR dateTime in the clinic's zone, `minutes` after midnight."""
    return datetime.combine(day, time(minutes // 60, minutes % 60), CLINIC_ZONE).isoformat()


def weekday(day: date) -> date:
    """Saturday moves back to Friday and Sunday on to Monday: the clinic and the lab are closed."""
    return day + timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))


def attachment(text: str, title: str) -> Resource:
    data = base64.b64encode(text.encode()).decode()
    return {"contentType": "text/plain; charset=utf-8", "language": "en", "data": data, "title": title}


def reference(url: str) -> Resource:
    return {"reference": url}


class Bundle:
    """One source's Bundle for one patient; every resource refers to the Patient by its fullUrl."""

    def __init__(self, source: Organization, patient: Patient) -> None:
        self.slug, self.mrn = source.slug, patient.mrn
        self.entries: list[Resource] = []
        self.patient = self.add("patient", patient_resource(source, patient))

    def add(self, key: str, resource: Resource) -> str:
        """Add a resource under a key unique in this bundle; returns the reference to it."""
        rid = str(uuid.uuid5(NAMESPACE, f"{self.slug}|{self.mrn}|{key}"))
        kind = resource["resourceType"]
        body = {"resourceType": kind, "id": rid, **resource}
        if kind in SUBJECT_ELEMENT:
            body[SUBJECT_ELEMENT[kind]] = reference(self.patient)
        self.entries.append({"fullUrl": f"urn:uuid:{rid}", "resource": body})
        return f"urn:uuid:{rid}"

    def as_json(self) -> Resource:
        if len({entry["fullUrl"] for entry in self.entries}) != len(self.entries):
            raise ValueError(f"Two demo resources for {self.mrn} from {self.slug} share a key.")
        return {"resourceType": "Bundle", "type": "collection", "entry": self.entries}


def patient_resource(source: Organization, patient: Patient) -> Resource:
    """The demographics the matcher links on. The home clinic's record number is the portal's MRN; the
    other sources number the patient their own way."""
    own_number = f"{uuid.uuid5(NAMESPACE, f'{source.slug}|{patient.mrn}').int % 10**7:07d}"
    number = patient.mrn if source.kind == Organization.Kind.HOME_CLINIC else own_number
    mrn_type = concept(f"{HL7}v2-0203", "MR", "Medical record number")
    resource: Resource = {
        "resourceType": "Patient",
        "identifier": [{"type": mrn_type, "system": source.mrn_system, "value": number}],
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": patient.gender,
        "birthDate": patient.birth_date.isoformat(),
        "communication": [{"language": concept("urn:ietf:bcp:47", patient.preferred_language), "preferred": True}],
    }
    if patient.address:
        resource["address"] = [{"use": "home", "text": patient.address}]
    return resource


def observation(
    bundle: Bundle,
    key: str,
    measure: Measure,
    when: str,
    category: str,
    value: float | None = None,
    *,
    is_male: bool = False,
    components: tuple[tuple[Measure, float], ...] = (),
    encounter: str = "",
    performer: str = "",
) -> str:
    """Any vital sign or result: a value, with its reference range and flag when the measure has one, or
    components such as the two blood pressure numbers."""
    resource: Resource = {
        "resourceType": "Observation",
        "status": "final",
        "category": [concept(f"{HL7}observation-category", category)],
        "code": concept(LOINC, measure.code, measure.display),
        "effectiveDateTime": when,
    }
    if value is not None:
        resource["valueQuantity"] = measure.quantity(value)
        low, high, _typical = measure.norms(is_male)
        if low is not None or high is not None:
            bounds = {"low": low, "high": high}
            resource["referenceRange"] = [{k: measure.quantity(v) for k, v in bounds.items() if v is not None}]
            resource["interpretation"] = [interpretation(measure.rounded(value), low, high)]
    if components:
        resource["component"] = [
            {"code": concept(LOINC, part.code, part.display), "valueQuantity": part.quantity(number)}
            for part, number in components
        ]
    if encounter:
        resource["encounter"] = reference(encounter)
    if performer:
        resource["performer"] = [{"display": performer}]
    return bundle.add(key, resource)


def interpretation(value: float, low: float | None, high: float | None) -> Resource:
    flag = ("N", "Normal")
    if high is not None and value > high:
        flag = ("H", "High")
    elif low is not None and value < low:
        flag = ("L", "Low")
    return concept(f"{HL7}v3-ObservationInterpretation", *flag)


@dataclass(frozen=True)
class Visit:
    key: str
    visit_class: Code  # v3-ActCode
    kind: Code  # SNOMED CT
    start: str
    end: str
    reason: str  # a PROBLEMS key, or ""
    clinician: str
    provider: str


def encounter(bundle: Bundle, visit: Visit) -> str:
    resource: Resource = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": f"{HL7}v3-ActCode", "code": visit.visit_class[0], "display": visit.visit_class[1]},
        "type": [concept(SNOMED, *visit.kind)],
        "participant": [{"individual": {"display": visit.clinician}}],
        "period": {"start": visit.start, "end": visit.end},
        "serviceProvider": {"display": visit.provider},
    }
    if visit.reason:
        resource["reasonCode"] = [concept(SNOMED, *PROBLEMS[visit.reason])]
    return bundle.add(visit.key, resource)


def condition(
    bundle: Bundle,
    key: str,
    problem: str,
    onset: str,
    *,
    diagnosis: bool = False,
    abated: str = "",
    encounter: str = "",
) -> str:
    """A problem-list entry, or a visit's diagnosis (resolved when `abated` is given)."""
    category = "encounter-diagnosis" if diagnosis else "problem-list-item"
    resource: Resource = {
        "resourceType": "Condition",
        "clinicalStatus": concept(f"{HL7}condition-clinical", "resolved" if abated else "active"),
        "verificationStatus": concept(f"{HL7}condition-ver-status", "confirmed"),
        "category": [concept(f"{HL7}condition-category", category)],
        "code": concept(SNOMED, *PROBLEMS[problem]),
        "onsetDateTime": onset,
        "recordedDate": onset,
    }
    if abated:
        resource["abatementDateTime"] = abated
    if encounter:
        resource["encounter"] = reference(encounter)
    return bundle.add(key, resource)


def prescription(bundle: Bundle, medication: str, authored: str, requester: str, reason: str = "") -> str:
    """An active prescription; `reason` is the reference to the condition it treats, if known."""
    code, display, instructions = MEDICATIONS[medication]
    resource: Resource = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": concept(RXNORM, code, display),
        "authoredOn": authored,
        "requester": {"display": requester},
        "dosageInstruction": [{"text": instructions}],
    }
    if reason:
        resource["reasonReference"] = [reference(reason)]
    return bundle.add(f"medication/{medication}", resource)


def allergy(bundle: Bundle, name: str, recorded: str) -> str:
    spec = ALLERGIES[name]
    resource = {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": concept(f"{HL7}allergyintolerance-clinical", "active"),
        "verificationStatus": concept(f"{HL7}allergyintolerance-verification", "confirmed"),
        "type": spec.kind,
        "category": [spec.category],
        "criticality": spec.criticality,
        "code": concept(spec.system, spec.code, spec.display),
        "recordedDate": recorded,
        "reaction": [{"manifestation": [concept(SNOMED, *spec.reaction)]}],
    }
    return bundle.add(f"allergy/{name}", resource)


def immunization(bundle: Bundle, vaccine: str, when: str, *, reported: bool = False, encounter: str = "") -> str:
    """A dose given by this source, or (`reported`) one given elsewhere that the state registry reported."""
    resource: Resource = {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": concept(CVX, *VACCINES[vaccine]),
        "occurrenceDateTime": when,
        "primarySource": not reported,
    }
    if reported:
        resource["reportOrigin"] = concept(f"{HL7}immunization-origin", "provider", "Other Provider")
    if encounter:
        resource["encounter"] = reference(encounter)
    return bundle.add(f"immunization/{vaccine}/{when[:10]}", resource)


def procedure(bundle: Bundle, name: str, when: str, performer: str, encounter: str) -> str:
    resource = {
        "resourceType": "Procedure",
        "status": "completed",
        "code": concept(SNOMED, *PROCEDURES[name]),
        "performedDateTime": when,
        "performer": [{"actor": {"display": performer}}],
        "encounter": reference(encounter),
    }
    return bundle.add(f"procedure/{name}/{when[:10]}", resource)


def document(bundle: Bundle, key: str, kind: Code, when: str, author: str, text: str, encounter: str) -> str:
    """A clinical note as plain text (LOINC document type)."""
    resource = {
        "resourceType": "DocumentReference",
        "status": "current",
        "docStatus": "final",
        "type": concept(LOINC, *kind),
        "category": [concept(NOTE_CATEGORY, "clinical-note", "Clinical Note")],
        "date": when,
        "author": [{"display": author}],
        "content": [{"attachment": attachment(text, kind[1])}],
        "context": {"encounter": [reference(encounter)]},
    }
    return bundle.add(key, resource)


def report(
    bundle: Bundle,
    key: str,
    panel: Panel,
    category: Code,
    when: str,
    results: list[str],
    performer: str,
    text: str = "",
) -> str:
    """A DiagnosticReport grouping its results, with the written conclusion when there is one."""
    resource: Resource = {
        "resourceType": "DiagnosticReport",
        "status": "final",
        "category": [concept(f"{HL7}v2-0074", *category)],
        "code": concept(LOINC, panel.code, panel.display),
        "effectiveDateTime": when,
        "issued": when,
        "performer": [{"display": performer}],
        "result": [reference(url) for url in results],
    }
    if text:
        resource["conclusion"] = text
        resource["presentedForm"] = [attachment(text, panel.display)]
    return bundle.add(key, resource)


# -- what each source system knows ----------------------------------------------------------------------------

LAB_CATEGORY = ("LAB", "Laboratory")
AMBULATORY = ("AMB", "ambulatory")


@dataclass
class Chart:
    """One patient's story placed in time, with the random generator of one source's bundle."""

    patient: Patient
    story: Story
    today: date
    clinicians: dict[str, str]  # source slug -> the patient's clinician there
    visits: list[date]  # the home clinic's visit days
    rng: random.Random

    @property
    def is_male(self) -> bool:
        return self.patient.gender == Patient.Gender.MALE

    def ago(self, days: int = 0, years: float = 0) -> date:
        return self.today - timedelta(days=days + round(years * 365.25))

    def age_on(self, day: date) -> float:
        return (day - self.patient.birth_date).days / 365.25

    def clock(self, earliest: int = 8 * 60, latest: int = 16 * 60) -> int:
        """A time of day on the quarter hour, in minutes after midnight."""
        return self.rng.randrange(earliest, latest, 15)


def along(values: tuple[float, ...], step: float) -> float:
    """The value `step` (0 to 1) of the way through `values`, read between neighbours."""
    if len(values) == 1:
        return values[0]
    position = step * (len(values) - 1)
    lower = min(int(position), len(values) - 2)
    return values[lower] + (values[lower + 1] - values[lower]) * (position - lower)


def visit_days(mrn: str, visits: int, today: date) -> list[date]:
    """`visits` weekdays over the last three years, the latest three to ten weeks ago."""
    rng = random.Random(f"{mrn}|visits")  # noqa: S311 - repeatable demo data, not security
    latest = today - timedelta(days=rng.randint(21, 70))
    gap = 1000 / max(visits - 1, 1)
    days = [latest - timedelta(days=round(gap * n) + (rng.randint(-20, 20) if n else 0)) for n in range(visits)]
    return sorted(weekday(day) for day in days)


def vital_signs(chart: Chart, bundle: Bundle, key: str, when: str, step: float, encounter: str) -> dict[str, Any]:
    """Blood pressure, pulse, weight, height and BMI, `step` (0 to 1) of the way from the story's first values
    to its latest; returns the values by LOINC code."""
    story, rng = chart.story, chart.rng
    (first_systolic, first_diastolic), (latest_systolic, latest_diastolic) = story.blood_pressure
    systolic = round(along((first_systolic, latest_systolic), step)) + rng.randint(-4, 4)
    diastolic = round(along((first_diastolic, latest_diastolic), step)) + rng.randint(-3, 3)
    pressure = ((SYSTOLIC, systolic), (DIASTOLIC, diastolic))
    observation(bundle, f"{key}/bp", BLOOD_PRESSURE, when, "vital-signs", components=pressure, encounter=encounter)
    weight = WEIGHT.rounded(along(story.weight, step) + rng.uniform(-1.5, 1.5))
    height = HEIGHT.rounded(along(story.height, step))
    values: dict[str, Any] = {BLOOD_PRESSURE.code: f"{systolic}/{diastolic}"}
    for measure, value in (
        (HEART_RATE, along(story.pulse, step) + rng.randint(-5, 5)),
        (WEIGHT, weight),
        (HEIGHT, height),
        (BMI, 703 * weight / height**2),
    ):
        observation(bundle, f"{key}/{measure.code}", measure, when, "vital-signs", value, encounter=encounter)
        values[measure.code] = measure.rounded(value)
    return values


def home_bundle(chart: Chart, source: Organization) -> Bundle:
    """Lakeside Primary Care: visits with vital signs, the problem and medication lists, allergies,
    immunizations and the note of the latest visit."""
    bundle, story, doctor = Bundle(source, chart.patient), chart.story, chart.clinicians[HOME]
    is_child = chart.age_on(chart.today) < 18
    checkup = ("410620009", "Well child visit") if is_child else ("185349003", "Encounter for check up")
    for n, day in enumerate(chart.visits):
        minutes = chart.clock()
        is_checkup = n % 2 == 0 or not story.problems
        kind, reason = (checkup, "") if is_checkup else (("390906007", "Follow-up encounter"), story.problems[0][0])
        visit = Visit(
            f"visit/{n}", AMBULATORY, kind, at(day, minutes), at(day, minutes + 30), reason, doctor, source.name
        )
        visit_url = encounter(bundle, visit)
        vitals = vital_signs(chart, bundle, visit.key, visit.start, n / max(len(chart.visits) - 1, 1), visit_url)
    problems = {
        problem: condition(bundle, f"problem/{problem}", problem, chart.ago(years=years).isoformat())
        for problem, years in story.problems
    }
    for medication in story.medications:
        reason = problems.get(story.treats.get(medication, ""), "")
        prescription(bundle, medication, chart.visits[-1].isoformat(), doctor, reason)
    for name in story.allergies:
        allergy(bundle, name, chart.visits[0].isoformat())
    for vaccine, day in vaccinations(chart):
        immunization(bundle, vaccine, at(day, chart.clock()))
    if story.stay and story.stay.vaccine:
        immunization(bundle, story.stay.vaccine, hospital_vaccine_time(chart), reported=True)
    note = visit_note(chart, visit.start, vitals)  # the loop above ends on the latest visit
    document(bundle, "note/latest", ("11506-3", "Progress note"), visit.end, doctor, note, visit_url)
    return bundle


def vaccinations(chart: Chart) -> list[tuple[str, date]]:
    """Childhood doses of the last 12 years; flu each fall (and COVID for adults) for three years; Tdap,
    shingles and pneumococcal vaccines by age."""
    today, born, rng = chart.today, chart.patient.birth_date, chart.rng
    age = chart.age_on(today)
    doses = []
    for vaccine, months in CHILDHOOD_SCHEDULE:
        day = weekday(born + timedelta(days=round(months * 30.44) + 3))
        if chart.ago(years=12) < day < today:
            doses.append((vaccine, day))
    for season in range(today.year - 3, today.year + 1):
        day = weekday(date(season, 10, 1) + timedelta(days=rng.randint(0, 40)))
        if chart.ago(years=3) < day < today:
            doses.append(("flu_high_dose" if age >= 65 else "flu", day))
            if age >= 18 and season >= today.year - 2:
                doses.append(("covid", day))
    at_hospital = chart.story.stay.vaccine if chart.story.stay else ""
    if age >= 23 and at_hospital != "tdap":  # younger adults still have the dose from age 11 on record
        doses.append(("tdap", weekday(chart.ago(days=rng.randint(400, 3000)))))
    if age >= 55:
        first = weekday(chart.ago(days=rng.randint(400, 1400)))
        doses += [("zoster", first), ("zoster", weekday(first + timedelta(days=70)))]
    if age >= 66:
        doses.append(("pcv20", weekday(chart.ago(days=rng.randint(200, min(1000, round((age - 65) * 365)))))))
    return doses


def hospital_vaccine_time(chart: Chart) -> str:
    """When the hospital gave its vaccine: the hospital and the registry copy at home say the same."""
    days_ago = chart.story.stay.days_ago if chart.story.stay else 0
    return at(chart.ago(days=days_ago), 17 * 60 + 30)


def visit_note(chart: Chart, when: str, vitals: dict[str, Any]) -> str:
    """The latest visit's note, in plain clinical language."""
    story = chart.story
    problems = "; ".join(PROBLEMS[name][1] for name, _years in story.problems) or "None."
    medicines = "; ".join(MEDICATIONS[name][1] for name in story.medications) or "None."
    allergies = "; ".join(f"{ALLERGIES[n].display} ({ALLERGIES[n].reaction[1].lower()})" for n in story.allergies)
    return "\n".join(
        [
            f"Visit on {when[:10]} with {chart.clinicians[HOME]}, Lakeside Primary Care.",
            "",
            f"Reason for visit: {story.summary}",
            f"Vital signs: blood pressure {vitals[BLOOD_PRESSURE.code]} mm Hg, pulse {vitals[HEART_RATE.code]}, "
            f"weight {vitals[WEIGHT.code]} lb, BMI {vitals[BMI.code]}.",
            f"Problems reviewed: {problems}",
            f"Medicines reviewed: {medicines}",
            f"Allergies: {allergies or 'No known allergies.'}",
            "",
            f"Plan: {story.plan}",
        ]
    )


def lab_bundle(chart: Chart, source: Organization) -> Bundle:
    """Northgate Laboratories: the story's panels, drawn a few days before each of the latest visits."""
    bundle, story = Bundle(source, chart.patient), chart.story
    days = [weekday(day - timedelta(days=chart.rng.randint(2, 6))) for day in chart.visits[-story.draws :]]
    for n, day in enumerate(days):
        when = at(day, chart.clock(7 * 60, 10 * 60))
        for name in story.panels:
            panel = PANELS[name]
            values = panel_values(chart, panel, n / max(len(days) - 1, 1), day)
            results = [
                observation(
                    bundle,
                    f"{day}/{code}",
                    TESTS[code],
                    when,
                    "laboratory",
                    value,
                    is_male=chart.is_male,
                    performer=source.name,
                )
                for code, value in values.items()
            ]
            report(bundle, f"{day}/{name}", panel, LAB_CATEGORY, when, results, source.name)
    return bundle


def egfr(creatinine: float, age: float, is_male: bool) -> float:
    """CKD-EPI 2021 (race-free) eGFR from serum creatinine."""
    kappa, alpha = (0.9, -0.302) if is_male else (0.7, -0.241)
    ratio = creatinine / kappa
    value = 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.2 * 0.9938**age
    return value if is_male else value * 1.012


# Results that follow from another one in the same panel.
DERIVED: dict[str, Callable[[dict[str, float], Chart, date], float]] = {
    HEMATOCRIT: lambda values, chart, _day: values[HEMOGLOBIN] * 2.98 + chart.rng.uniform(-0.6, 0.6),
    EGFR: lambda values, chart, day: egfr(values[CREATININE], chart.age_on(day), chart.is_male),
}


def panel_values(chart: Chart, panel: Panel, step: float, day: date) -> dict[str, float]:
    """A value per test: the story's trend where it has one, else a believable value for the patient."""
    values: dict[str, float] = {}
    for code in panel.tests:
        test = TESTS[code]
        if code in chart.story.labs:
            value = along(chart.story.labs[code], step)
        elif code in DERIVED:
            value = DERIVED[code](values, chart, day)
        else:
            value = test.norms(chart.is_male)[2] + chart.rng.uniform(-test.spread, test.spread)
        values[code] = test.rounded(value)
    return values


def cardiology_bundle(chart: Chart, source: Organization) -> Bundle:
    """Riverside Cardiology: a consult with vital signs, the same problem and heart medicine as the home
    clinic lists, an ECG, an echocardiogram and its report, an NT-proBNP result and the consult note."""
    bundle, consult, doctor = Bundle(source, chart.patient), chart.story.consult, chart.clinicians[CARDIOLOGY]
    if consult is None:
        raise ValueError("This story has no cardiology consult.")
    day = weekday(chart.ago(days=consult.days_ago))
    start, echo_at, end = at(day, 10 * 60), at(day, 10 * 60 + 30), at(day, 11 * 60 + 15)
    kind = ("11429006", "Consultation")
    visit = encounter(bundle, Visit("consult", AMBULATORY, kind, start, end, consult.problem, doctor, source.name))
    vital_signs(chart, bundle, "consult", start, 1.0, visit)
    onset = chart.ago(years=dict(chart.story.problems)[consult.problem]).isoformat()
    condition(bundle, f"problem/{consult.problem}", consult.problem, onset, encounter=visit)
    prescription(bundle, consult.medication, day.isoformat(), doctor)
    if consult.prescribes:
        prescription(bundle, consult.prescribes, day.isoformat(), doctor)
    procedure(bundle, "ecg", at(day, 10 * 60 + 5), doctor, visit)
    procedure(bundle, "echo", echo_at, doctor, visit)
    fraction = observation(
        bundle, "echo/ef", EJECTION_FRACTION, echo_at, "imaging", consult.ejection_fraction, encounter=visit
    )
    finding = f"Left ventricular ejection fraction {consult.ejection_fraction}%."
    report(bundle, "echo/report", ECHO, ("CUS", "Cardiac Ultrasound"), echo_at, [fraction], doctor, finding)
    nt_probnp = replace(NT_PROBNP, high=450 if chart.age_on(day) >= 75 else 125)  # the limit rises with age
    result = observation(bundle, "ntprobnp", nt_probnp, start, "laboratory", consult.nt_probnp, performer=source.name)
    report(bundle, "ntprobnp/report", NT_PROBNP_REPORT, LAB_CATEGORY, start, [result], source.name)
    document(bundle, "note/consult", ("11488-4", "Consult note"), end, doctor, consult.note, visit)
    return bundle


def hospital_bundle(chart: Chart, source: Organization) -> Bundle:
    """St. Mary's Regional Hospital: an emergency visit or an admission with vital signs, the diagnosis,
    a procedure, a vaccine given there, and the discharge summary."""
    bundle, stay, doctor = Bundle(source, chart.patient), chart.story.stay, chart.clinicians[HOSPITAL]
    if stay is None:
        raise ValueError("This story has no hospital stay.")
    day = chart.ago(days=stay.days_ago)
    start, end = at(day, 14 * 60 + 20), at(day + timedelta(days=stay.days), 11 * 60 if stay.days else 18 * 60 + 45)
    visit_class, kind = (
        (("IMP", "inpatient encounter"), ("32485007", "Hospital admission"))
        if stay.days
        else (("EMER", "emergency"), ("50849002", "Emergency room admission"))
    )
    visit = encounter(bundle, Visit("stay", visit_class, kind, start, end, stay.problem, doctor, source.name))
    for measure, value in stay.vitals:
        observation(bundle, f"stay/{measure.code}", measure, start, "vital-signs", value, encounter=visit)
    # A flare of a known problem stays active (the home clinic lists it too); an injury or infection resolves.
    abated = "" if stay.problem in dict(chart.story.problems) else end
    condition(bundle, "diagnosis", stay.problem, start, diagnosis=True, abated=abated, encounter=visit)
    procedure(bundle, stay.procedure, at(day, 15 * 60), doctor, visit)
    if stay.vaccine:
        immunization(bundle, stay.vaccine, hospital_vaccine_time(chart), encounter=visit)
    document(bundle, "note/discharge", ("18842-5", "Discharge summary"), end, doctor, stay.summary, visit)
    return bundle


# Which sources hold a piece of a story, and what each one sends.
SOURCES: tuple[tuple[str, Callable[[Story], object], Callable[[Chart, Organization], Bundle]], ...] = (
    (HOME, lambda story: True, home_bundle),
    (LAB, lambda story: story.draws, lab_bundle),
    (CARDIOLOGY, lambda story: story.consult, cardiology_bundle),
    (HOSPITAL, lambda story: story.stay, hospital_bundle),
)

# -- importing ------------------------------------------------------------------------------------------------


def clinician_names(patients: list[Patient]) -> dict[Any, dict[str, str]]:
    """Each patient's clinician at every source, by slug: the care team names the home clinic's physician
    and the cardiologist; at the hospital it is the hospitalist on duty."""
    default = {HOME: "Lakeside Primary Care", CARDIOLOGY: "Riverside Cardiology", HOSPITAL: HOSPITALIST}
    names = {patient.pk: dict(default) for patient in patients}
    memberships = CareTeamMembership.objects.filter(patient__in=patients).select_related(
        "staff__user", "staff__organization"
    )
    for membership in memberships:
        staff = membership.staff
        if membership.is_primary or staff.organization.slug != HOME:
            name = ", ".join(part for part in (staff.user.full_name, staff.credentials) if part)
            names[membership.patient_id][staff.organization.slug] = name
    return names


def bundles_for(
    patient: Patient, today: date, clinicians: dict[str, str], sources: dict[str, Organization]
) -> dict[str, Resource]:
    """Every source's Bundle for one demo patient, by source slug, told as of the Monday of `today`'s week."""
    story = STORIES[patient.mrn]
    today -= timedelta(days=today.weekday())
    visits = visit_days(patient.mrn, story.visits, today)
    bundles = {}
    for slug, holds_a_piece, build in SOURCES:
        if holds_a_piece(story):
            rng = random.Random(f"{patient.mrn}|{slug}")  # noqa: S311 - repeatable demo data, not security
            bundles[slug] = build(Chart(patient, story, today, clinicians, visits, rng), sources[slug]).as_json()
    return bundles


def import_demo_records(patients: Iterable[Patient], *, today: date) -> Counter[str]:
    """Import every demo patient's records from each source through the real importer. Returns the
    outcomes summed over the runs: "created", "updated", "unchanged" and "failed"."""
    chosen = [patient for patient in patients if patient.mrn in STORIES]
    sources = {org.slug: org for org in Organization.objects.filter(slug__in=[slug for slug, _, _ in SOURCES])}
    names = clinician_names(chosen)
    outcomes: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="demo-records-") as folder:
        for patient in chosen:
            for slug, bundle in bundles_for(patient, today, names[patient.pk], sources).items():
                path = Path(folder) / f"demo-{slug}-{patient.mrn}.json"
                path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
                run = import_run_execute(run_id=import_run_create(source=sources[slug], path=path).pk, path=path)
                outcomes.update({outcome: run.total(outcome) for outcome in ImportRun.OUTCOMES})
    if outcomes["failed"]:
        log.warning("demo records: resources failed to import", extra={"failed": outcomes["failed"]})
    return outcomes


def build_demo_records(clinic: DemoClinic) -> DemoChanges:
    """Each demo patient's record from the clinic, the lab, the cardiologist and the hospital, through
    the importer. Registered with the portal's demo builders (records/apps.py)."""
    outcomes = import_demo_records(clinic.patients.values(), today=clinic.today)
    return DemoChanges(
        created=Counter(SourceRecord=outcomes["created"]), updated=Counter(SourceRecord=outcomes["updated"])
    )
