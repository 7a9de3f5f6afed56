"""Demo records: believable FHIR R4 from the four systems that hold a piece of each demo patient's care.

For every demo patient this builds one Bundle per source system (the home clinic, the lab, and for some
patients the cardiologist and the hospital), writes it to a temporary file and imports it through the real
importer, so matching, upserts, release rules and de-duplication run exactly as for a real feed.

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

# -- vocabulary ---------------------------------------------------------------------------------------------
# fmt: off

# SNOMED CT. Home clinic, cardiologist and hospital use the same code, so the record lists a problem once.
PROBLEMS: dict[str, Code] = {
    "hypertension": ("59621000", "Essential hypertension"),
    "diabetes": ("44054006", "Type 2 diabetes mellitus"),
    "prediabetes": ("15777000", "Prediabetes"),
    "hyperlipidemia": ("55822004", "Hyperlipidemia"),
    "afib": ("49436004", "Atrial fibrillation"),
    "heart_failure": ("88805009", "Chronic congestive heart failure"),
    "ckd3": ("433144002", "Chronic kidney disease stage 3"),
    "knee_oa": ("239873007", "Osteoarthritis of knee"),
    "hypothyroidism": ("40930008", "Hypothyroidism"),
    "child_asthma": ("233678006", "Childhood asthma"),
    "asthma": ("195967001", "Asthma"),
    "rhinitis": ("367498001", "Seasonal allergic rhinitis"),
    "anxiety": ("197480006", "Anxiety disorder"),
    "gad": ("21897009", "Generalized anxiety disorder"),
    "iron_anemia": ("87522002", "Iron deficiency anemia"),
    "migraine": ("37796009", "Migraine"),
    "sleep_apnea": ("78275009", "Obstructive sleep apnea syndrome"),
    "obesity": ("162864005", "Body mass index 30+ - obesity"),
    "bph": ("266569009", "Benign prostatic hyperplasia"),
    "vitamin_d": ("34713006", "Vitamin D deficiency"),
    "back_pain": ("278860009", "Chronic low back pain"),
    "eczema": ("24079001", "Atopic dermatitis"),
    "pneumonia": ("385093006", "Community acquired pneumonia"),
    "hand_laceration": ("284549007", "Laceration of hand"),
    "ankle_sprain": ("44465007", "Sprain of ankle"),
}

# RxNorm clinical drugs, with the instructions on the label.
ONCE_A_DAY = "Take 1 tablet by mouth once a day."
MEDICATIONS: dict[str, tuple[str, str, str]] = {
    "lisinopril": ("314076", "lisinopril 10 MG Oral Tablet", ONCE_A_DAY),
    "amlodipine5": ("197361", "amlodipine 5 MG Oral Tablet", ONCE_A_DAY),
    "amlodipine10": ("308135", "amlodipine 10 MG Oral Tablet", ONCE_A_DAY),
    "losartan": ("979492", "losartan potassium 50 MG Oral Tablet", ONCE_A_DAY),
    "atorvastatin20": ("617310", "atorvastatin 20 MG Oral Tablet", "Take 1 tablet by mouth at bedtime."),
    "atorvastatin40": ("617311", "atorvastatin 40 MG Oral Tablet", "Take 1 tablet by mouth at bedtime."),
    "metformin": ("861004", "metformin hydrochloride 1000 MG Oral Tablet", "Take 1 tablet twice a day with meals."),
    "metformin_er": ("860975", "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet",
                     "Take 2 tablets by mouth with the evening meal."),
    "empagliflozin": ("1545658", "empagliflozin 10 MG Oral Tablet", "Take 1 tablet by mouth every morning."),
    "glipizide": ("310490", "glipizide 5 MG Oral Tablet", "Take 1 tablet by mouth 30 minutes before breakfast."),
    "levothyroxine": ("966222", "levothyroxine sodium 0.05 MG Oral Tablet",
                      "Take 1 tablet every morning on an empty stomach."),
    "apixaban5": ("1364445", "apixaban 5 MG Oral Tablet", "Take 1 tablet by mouth twice a day."),
    "apixaban2.5": ("1364435", "apixaban 2.5 MG Oral Tablet", "Take 1 tablet by mouth twice a day."),
    "metoprolol": ("866427", "24 HR metoprolol succinate 25 MG Extended Release Oral Tablet", ONCE_A_DAY),
    "carvedilol": ("200032", "carvedilol 6.25 MG Oral Tablet", "Take 1 tablet by mouth twice a day with food."),
    "furosemide": ("310429", "furosemide 20 MG Oral Tablet", "Take 1 tablet by mouth every morning."),
    "tamsulosin": ("863669", "tamsulosin hydrochloride 0.4 MG Oral Capsule", "Take 1 capsule at bedtime."),
    "aspirin": ("243670", "aspirin 81 MG Oral Tablet", ONCE_A_DAY),
    "acetaminophen": ("313782", "acetaminophen 325 MG Oral Tablet",
                      "Take 2 tablets every 6 hours as needed for knee pain. No more than 8 tablets a day."),
    "albuterol": ("745679", "200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler",
                  "Inhale 2 puffs every 4 to 6 hours as needed for wheezing or cough."),
    "fluticasone": ("895994", "120 ACTUAT fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler",
                    "Inhale 2 puffs twice a day with the spacer. Rinse your mouth afterwards."),
    "epinephrine": ("1870230", "0.3 ML epinephrine 1 MG/ML Auto-Injector",
                    "Inject into the outer thigh for a severe allergic reaction, then call 911."),
    "loratadine": ("311372", "loratadine 10 MG Oral Tablet", "Take 1 tablet once a day in allergy season."),
    "cetirizine": ("1014678", "cetirizine hydrochloride 10 MG Oral Tablet", ONCE_A_DAY),
    "sertraline": ("312941", "sertraline 50 MG Oral Tablet", ONCE_A_DAY),
    "ferrous_sulfate": ("310325", "ferrous sulfate 325 MG Oral Tablet", "Take 1 tablet once a day with orange juice."),
    "ibuprofen": ("197806", "ibuprofen 400 MG Oral Tablet", "Take 1 tablet with food at the start of a headache."),
    "naproxen": ("849574", "naproxen sodium 220 MG Oral Tablet", "Take 1 tablet twice a day with food as needed."),
}


@dataclass(frozen=True)
class Allergy:
    system: str
    code: str
    display: str
    category: str  # medication, food, environment
    reaction: Code  # SNOMED CT manifestation
    kind: str = "allergy"  # or "intolerance"
    criticality: str = "low"


HIVES, RASH, SNEEZING = ("126485001", "Hives"), ("271807003", "Skin rash"), ("76067001", "Sneezing")
ALLERGIES: dict[str, Allergy] = {
    "penicillin": Allergy(SNOMED, "764146007", "Penicillin", "medication", HIVES),
    "sulfa": Allergy(RXNORM, "10831", "sulfamethoxazole / trimethoprim", "medication", RASH),
    "codeine": Allergy(RXNORM, "2670", "codeine", "medication", ("422587007", "Nausea"), "intolerance"),
    "ace_inhibitor": Allergy(RXNORM, "29046", "lisinopril", "medication", ("49727002", "Cough"), "intolerance"),
    "peanut": Allergy(SNOMED, "256349002", "Peanut", "food", ("39579001", "Anaphylaxis"), criticality="high"),
    "latex": Allergy(SNOMED, "111088007", "Latex", "environment", RASH),
    "cat": Allergy(SNOMED, "264287008", "Animal dander", "environment", SNEEZING),
    "bee": Allergy(SNOMED, "288328004", "Bee venom", "environment", HIVES, criticality="high"),
    "pollen": Allergy(SNOMED, "782576004", "Tree pollen", "environment", SNEEZING),
}

VACCINES: dict[str, Code] = {
    "flu": ("140", "Influenza, seasonal, injectable, preservative free"),
    "flu_high_dose": ("197", "Influenza, high-dose, quadrivalent"),
    "covid": ("213", "SARS-COV-2 (COVID-19) vaccine, unspecified formulation"),
    "tdap": ("115", "Tdap"), "zoster": ("187", "Zoster vaccine recombinant"), "pcv20": ("216", "Pneumococcal PCV20"),
    "hepb": ("08", "Hep B, adolescent or pediatric"), "rotavirus": ("119", "Rotavirus, monovalent"),
    "dtap": ("20", "DTaP"), "hib": ("49", "Hib (PRP-OMP)"), "pcv13": ("133", "Pneumococcal conjugate PCV 13"),
    "ipv": ("10", "IPV"), "mmr": ("03", "MMR"), "varicella": ("21", "Varicella"),
    "hepa": ("83", "Hep A, ped/adol, 2 dose"), "menacwy": ("114", "Meningococcal MCV4P"), "hpv": ("165", "HPV9"),
}
# The routine childhood schedule, by age in months.
CHILDHOOD_SCHEDULE = (
    ("hepb", 0), ("hepb", 1), ("hepb", 6), ("rotavirus", 2), ("rotavirus", 4),
    ("dtap", 2), ("dtap", 4), ("dtap", 6), ("dtap", 15), ("dtap", 48),
    ("hib", 2), ("hib", 4), ("hib", 12), ("pcv13", 2), ("pcv13", 4), ("pcv13", 6), ("pcv13", 12),
    ("ipv", 2), ("ipv", 4), ("ipv", 6), ("ipv", 48), ("mmr", 12), ("mmr", 48), ("varicella", 12), ("varicella", 48),
    ("hepa", 12), ("hepa", 18), ("tdap", 132), ("menacwy", 132), ("menacwy", 192), ("hpv", 132), ("hpv", 138),
)

PROCEDURES: dict[str, Code] = {
    "echo": ("433236007", "Transthoracic echocardiography"),
    "ecg": ("29303009", "Electrocardiographic procedure"),
    "chest_xray": ("399208008", "Plain chest X-ray"),
    "sutures": ("288086009", "Suture open wound"),
    "nebulizer": ("56251003", "Nebulizer therapy"),
    "splint": ("79321009", "Application of splint"),
}
# fmt: on

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


DIABETES_PANELS = ("a1c", "cmp", "lipids", "cbc")
# fmt: off
STORIES: dict[str, Story] = {
    "LPC-100001": Story(  # Sarah Johnson, 45
        "Follow-up for high blood pressure and thyroid.",
        "Blood pressure is now at goal on lisinopril. Keep walking 30 minutes most days. "
        "Thyroid dose stays the same. Recheck kidney and thyroid tests in 12 months.",
        (("hypertension", 2.4), ("hypothyroidism", 8), ("rhinitis", 15)),
        ("lisinopril", "levothyroxine", "loratadine"), ("penicillin",), visits=5, weight=(176, 167), height=(65, 65),
        blood_pressure=((146, 94), (128, 82)), pulse=(76, 72), panels=("bmp", "lipids", "cbc", "tsh"),
        labs={TSH: (3.9, 2.6, 2.1)},
    ),
    "LPC-100002": Story(  # Lucía Hernández, 52
        "Diabetes, blood pressure and cholesterol check.",
        "A1c came down from 8.9% to 7.3% since empagliflozin was added. Keep all diabetes medicines the same. "
        "Eye exam and foot check are due this year. Next A1c in 3 months.",
        (("diabetes", 6), ("hypertension", 5), ("hyperlipidemia", 5)),
        ("metformin", "empagliflozin", "lisinopril", "atorvastatin20"), ("sulfa",), visits=6,
        weight=(184, 171), height=(62, 62), blood_pressure=((138, 86), (126, 78)), pulse=(80, 76),
        draws=4, panels=DIABETES_PANELS,
        labs={A1C: (7.4, 8.3, 8.9, 7.3), GLUCOSE: (146, 171, 188, 131), LDL: (128, 112, 96, 88)},
    ),
    "LPC-100003": Story(  # Michael Thompson, 44
        "Yearly check-up; cholesterol and blood sugar follow-up.",
        "A1c is in the prediabetes range. Aim for 150 minutes of activity a week and fewer sweet drinks. "
        "LDL cholesterol is much better on atorvastatin.",
        (("prediabetes", 2), ("hyperlipidemia", 2.8)), ("atorvastatin20",), visits=3, weight=(212, 204),
        height=(70.5, 70.5), blood_pressure=((128, 82), (124, 80)), pulse=(70, 68), panels=DIABETES_PANELS,
        labs={A1C: (5.9, 6.1, 5.8), LDL: (162, 118, 104), CHOLESTEROL: (238, 192, 181)},
    ),
    "LPC-100004": Story(  # Emma Thompson, 15
        "Follow-up for worry and trouble sleeping.",
        "Feeling better with weekly counseling. Sleep and screen-time plan reviewed. "
        "Return in 3 months, or sooner if mood gets worse.",
        (("anxiety", 1), ("rhinitis", 5)), ("sertraline", "cetirizine"), visits=4, weight=(92, 116),
        height=(59.5, 64), blood_pressure=((104, 64), (108, 68)), pulse=(84, 78), draws=1, panels=("cbc", "tsh"),
        labs={HEMOGLOBIN: (11.7,), TSH: (1.8,)}, treats={"sertraline": "anxiety"},
    ),
    "LPC-100005": Story(  # Noah Thompson, 8
        "Asthma check after an emergency visit for wheezing.",
        "Asthma is controlled again on the daily fluticasone inhaler. Use the spacer every time. "
        "Keep the EpiPen at school and at home. Flu shot every fall.",
        (("child_asthma", 4),), ("fluticasone", "albuterol", "epinephrine"), ("peanut",), visits=4,
        weight=(40, 57), height=(43, 50), blood_pressure=((96, 58), (100, 62)), pulse=(98, 88), draws=0,
        stay=Stay(150, 0, "child_asthma", "nebulizer",
                  ((HEART_RATE, 124), (SPO2, 93), (BREATHING, 32), (TEMPERATURE, 99.1)),
                  "Came in with wheezing and shortness of breath after a cold. Oxygen level 93% on room air. "
                  "Better after three albuterol nebulizer treatments and a dose of oral steroid. "
                  "Sent home on prednisolone for 3 more days. See the primary care doctor within a week."),
    ),
    "LPC-100006": Story(  # Dorothy Williams, 84
        "Follow-up after the hospital stay for pneumonia; heart rhythm, blood pressure and knee pain.",
        "Breathing is back to normal after pneumonia. Heart rate is well controlled. Continue apixaban. "
        "Kidney function is stable. Use a cane outdoors; physical therapy for the knees twice a week.",
        (("hypertension", 20), ("afib", 3.5), ("knee_oa", 10), ("ckd3", 4)),
        ("apixaban2.5", "metoprolol", "amlodipine5", "acetaminophen"), ("codeine",), visits=6,
        weight=(134, 126), height=(61.5, 61.5), blood_pressure=((142, 78), (134, 72)), pulse=(74, 70),
        panels=("bmp", "cbc"), labs={CREATININE: (1.18, 1.26, 1.31), HEMOGLOBIN: (12.1, 11.6, 11.8)},
        consult=Consult(200, "afib", "apixaban2.5", 56, 380,
                        "Atrial fibrillation, permanent, with a controlled heart rate. No chest pain or fainting. "
                        "Echocardiogram: normal pumping strength, mildly enlarged left atrium. Stroke risk is high, "
                        "so blood thinning continues; the lower apixaban dose is right for her age and weight. "
                        "Follow up in 6 months."),
        stay=Stay(95, 3, "pneumonia", "chest_xray",
                  ((HEART_RATE, 104), (SPO2, 90), (BREATHING, 24), (TEMPERATURE, 101.6)),
                  "Admitted with pneumonia: fever, cough and low oxygen (90% on room air). Chest X-ray showed "
                  "pneumonia in the right lower lung. Treated with IV ceftriaxone and azithromycin, then "
                  "amoxicillin-clavulanate by mouth to finish 7 days. Oxygen stopped on day 2. Apixaban continued. "
                  "Discharged home with her daughter. Follow up with her primary care doctor within a week."),
    ),
    "LPC-100007": Story(  # Robert Brown, 67
        "Diabetes and blood pressure follow-up after seeing cardiology.",
        "Blood pressure is lower on the higher amlodipine dose. A1c improved but is still above 7%: "
        "continue metformin and walk after dinner. Recheck A1c in 3 months.",
        (("hypertension", 12), ("diabetes", 8), ("hyperlipidemia", 10)),
        ("lisinopril", "amlodipine10", "metformin", "atorvastatin40", "aspirin"), (), visits=5, weight=(221, 214),
        height=(70, 70), blood_pressure=((156, 92), (138, 84)), pulse=(78, 74), draws=4, panels=DIABETES_PANELS,
        labs={A1C: (7.1, 7.9, 8.4, 7.6), GLUCOSE: (138, 160, 174, 149)},
        consult=Consult(120, "hypertension", "amlodipine10", 60, 95,
                        "Referred for blood pressure that stays high on two medicines. Echocardiogram: mild "
                        "thickening of the heart muscle from high blood pressure, normal pumping strength. "
                        "Amlodipine increased to 10 mg. Home blood pressure log for 2 weeks, then follow up in "
                        "3 months."),
    ),
    "LPC-100008": Story(  # James Wilson, 58
        "Wound check after stitches at St. Mary's; cholesterol follow-up.",
        "The hand wound has healed well. Tetanus shot is up to date. Continue atorvastatin. "
        "Keep using the CPAP machine every night.",
        (("hyperlipidemia", 6), ("sleep_apnea", 3)), ("atorvastatin20",), ("bee",), visits=4, weight=(198, 195),
        height=(71, 71), blood_pressure=((130, 84), (126, 80)), pulse=(70, 68), labs={LDL: (142, 104, 98)},
        stay=Stay(110, 0, "hand_laceration", "sutures", ((HEART_RATE, 92), (SPO2, 98), (TEMPERATURE, 98.4)),
                  "Cut on the left palm from a kitchen knife, 3 cm long, no damage to tendons or nerves. "
                  "Wound cleaned and closed with 5 stitches. Tetanus booster (Tdap) given. Keep it clean and dry; "
                  "stitches out in 10 to 14 days at the primary care clinic.",
                  vaccine="tdap"),
    ),
    "LPC-100009": Story(  # Linda Davis, 71
        "Heart rhythm, blood pressure and thyroid follow-up.",
        "No more racing heartbeat since the emergency visit. Continue apixaban and metoprolol. "
        "Thyroid test is normal on the current dose.",
        (("afib", 5), ("hypertension", 9), ("hypothyroidism", 12)), ("apixaban5", "metoprolol", "levothyroxine"),
        (), visits=5, weight=(158, 161), height=(64, 64), blood_pressure=((134, 80), (130, 76)), pulse=(72, 68),
        panels=("bmp", "lipids", "cbc", "tsh"), labs={TSH: (2.4, 3.1, 2.2)},
        consult=Consult(45, "afib", "apixaban5", 58, 310,
                        "Paroxysmal atrial fibrillation, one episode with a fast heart rate treated in the "
                        "emergency department. Now in normal rhythm. Echocardiogram: normal pumping strength and "
                        "valves. Continue apixaban and metoprolol. Follow up in 6 months, sooner for palpitations."),
        stay=Stay(240, 0, "afib", "ecg", ((HEART_RATE, 138), (SPO2, 97), (TEMPERATURE, 98.2)),
                  "Came in with a racing heartbeat for 3 hours. ECG showed atrial fibrillation with a fast rate. "
                  "Heart rate slowed with IV diltiazem and the rhythm went back to normal on its own. "
                  "Started on apixaban and metoprolol. Follow up with cardiology within 2 weeks."),
    ),
    "LPC-100010": Story(  # José Martínez, 63
        "Diabetes and blood pressure follow-up.",
        "A1c is better after adding glipizide. Carry a snack in case of low blood sugar. "
        "Keep working on weight with the dietitian. Next A1c in 3 months.",
        (("diabetes", 9), ("hypertension", 7), ("obesity", 9)), ("metformin", "glipizide", "losartan"),
        ("ace_inhibitor",), visits=5, weight=(236, 224), height=(67, 67), blood_pressure=((140, 88), (130, 82)),
        pulse=(80, 76), draws=4, panels=DIABETES_PANELS,
        labs={A1C: (7.8, 8.6, 9.1, 7.9), GLUCOSE: (156, 181, 197, 152)},
    ),
    "LPC-100011": Story(  # Carmen Ruiz, 38
        "Follow-up for low iron.",
        "Hemoglobin is back to normal on iron tablets. Continue iron for 3 more months, then stop. "
        "Gynecology follow-up for heavy periods as planned.",
        (("iron_anemia", 2.2),), ("ferrous_sulfate",), (), visits=4, weight=(148, 150), height=(63, 63),
        blood_pressure=((112, 72), (114, 72)), panels=("cbc", "bmp"),
        labs={HEMOGLOBIN: (10.6, 11.9, 12.8), RBC: (3.9, 4.3, 4.5)},
    ),
    "LPC-100012": Story(  # Aisha Patel, 29
        "Thyroid follow-up.",
        "TSH is now normal on levothyroxine 50 mcg. Take it every morning on an empty stomach. "
        "Recheck TSH in 6 months.",
        (("hypothyroidism", 2.5),), ("levothyroxine",), ("latex",), visits=4, weight=(138, 134), height=(66, 66),
        blood_pressure=((110, 70), (112, 70)), panels=("tsh", "cbc"), labs={TSH: (7.8, 3.4, 1.9)},
    ),
    "LPC-100013": Story(  # Kevin Nguyen, 34
        "Yearly check-up.",
        "Asthma is well controlled; albuterol needed about once a month. Healthy weight and blood pressure.",
        (("asthma", 15), ("rhinitis", 12)), ("albuterol", "cetirizine"), ("cat",), visits=3, weight=(165, 167),
        height=(68, 68), blood_pressure=((118, 76), (120, 78)), draws=2,
    ),
    "LPC-100014": Story(  # Olivia Smith, 22
        "Follow-up for headaches.",
        "Headaches are down to two a month. Keep the headache diary. Take ibuprofen early in a headache, "
        "no more than 3 days a week.",
        (("migraine", 4),), ("ibuprofen",), ("pollen",), visits=3, weight=(132, 131), height=(65, 65),
        blood_pressure=((108, 68), (110, 70)), draws=1, panels=("cbc", "bmp"),
    ),
    "LPC-100015": Story(  # Daniel Anderson, 50
        "Blood pressure and sleep apnea follow-up.",
        "Blood pressure is at goal on losartan. Using CPAP every night and sleeping better. "
        "Weight is down 9 pounds: keep going.",
        (("hypertension", 3), ("sleep_apnea", 2), ("obesity", 6)), ("losartan",), (), visits=4, weight=(248, 239),
        height=(72, 72), blood_pressure=((150, 96), (132, 84)), pulse=(82, 76), panels=DIABETES_PANELS,
        labs={A1C: (5.8, 5.9, 5.7)},
    ),
    "LPC-100016": Story(  # Fatima Ahmed, 41
        "Follow-up for low back pain and vitamin D.",
        "Back pain is better with physical therapy exercises. Vitamin D is normal now: keep taking 1000 units "
        "a day. Use naproxen only on bad days.",
        (("back_pain", 3), ("vitamin_d", 2)), ("naproxen",), (), visits=4, weight=(152, 150), height=(64, 64),
        blood_pressure=((116, 74), (118, 74)), draws=2,
    ),
    "LPC-100017": Story(  # Miguel Torres, 19
        "Sports physical and ankle follow-up.",
        "Ankle sprain has healed. Cleared for soccer. Do the balance exercises to prevent another sprain.",
        (), (), (), visits=3, weight=(158, 166), height=(69.5, 70), blood_pressure=((116, 70), (118, 72)),
        pulse=(64, 62), draws=0,
        stay=Stay(120, 0, "ankle_sprain", "splint", ((HEART_RATE, 84), (SPO2, 99), (TEMPERATURE, 98.6)),
                  "Twisted the right ankle playing soccer. Swelling on the outer ankle; X-ray shows no fracture. "
                  "Ankle splint and crutches. Rest, ice and raise the leg; ibuprofen for pain. "
                  "See the primary care doctor if not better in 2 weeks."),
    ),
    "LPC-100018": Story(  # Alex Morgan, 31
        "Follow-up for anxiety and eczema.",
        "Anxiety is much better on sertraline; continue the same dose. Eczema is quiet with daily moisturizer.",
        (("gad", 1.5), ("eczema", 10)), ("sertraline",), ("pollen",), visits=3, weight=(150, 152), height=(67, 67),
        blood_pressure=((114, 74), (116, 74)), draws=2,
    ),
    "LPC-100019": Story(  # Harold Jenkins, 88
        "Heart failure, kidney and prostate follow-up.",
        "Less ankle swelling and no shortness of breath at rest. Weigh every morning and call if up 3 pounds "
        "in a day or 5 in a week. Keep salt low. Kidney function is stable.",
        (("heart_failure", 4), ("hypertension", 25), ("ckd3", 5), ("bph", 10)),
        ("furosemide", "carvedilol", "lisinopril", "tamsulosin"), (), visits=6, weight=(172, 165), height=(68, 68),
        blood_pressure=((128, 70), (118, 66)), pulse=(70, 66), panels=("bmp", "cbc"),
        labs={CREATININE: (1.42, 1.51, 1.48)},
        consult=Consult(30, "heart_failure", "carvedilol", 35, 2450,
                        "Heart failure with reduced pumping strength, stable. Mild ankle swelling, no shortness of "
                        "breath at rest. Echocardiogram: ejection fraction 35%, unchanged. NT-proBNP is high but "
                        "lower than last year. Continue carvedilol, lisinopril and furosemide. Follow up in 3 months."),
    ),
    "LPC-100020": Story(  # Guadalupe Flores, 76
        "Diabetes, blood pressure and knee pain follow-up.",
        "A1c is back near goal. Keep walking with the group at church. Acetaminophen for knee pain; "
        "avoid ibuprofen because of the kidneys. Next A1c in 3 months.",
        (("diabetes", 11), ("hypertension", 11), ("knee_oa", 7)), ("metformin_er", "lisinopril", "acetaminophen"),
        ("penicillin",), visits=5, weight=(162, 158), height=(60, 60), blood_pressure=((138, 78), (132, 76)),
        pulse=(74, 72), draws=4, panels=DIABETES_PANELS,
        labs={A1C: (6.9, 7.6, 8.0, 7.1), GLUCOSE: (128, 149, 158, 126)},
    ),
}
# fmt: on

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
