"""Plain-language result explanations: complete in English and Spanish, sound LOINC codes, safe next steps,
and covering the lab and vital-sign codes the Synthea sample data actually uses.

No database: these are plain functions over a standard-library module.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from records.plain_language import (
    CALL,
    DEFAULT_LANGUAGE,
    DISCLAIMER,
    EMERGENCY,
    EXPLANATIONS,
    GUIDANCE,
    LANGUAGES,
    MESSAGE,
    NEXT_STEP_FIELDS,
    NEXT_STEPS,
    ROUTINE,
    TEXT_FIELDS,
    Explanation,
    explain,
    guidance,
)

ROOT = Path(__file__).resolve().parents[2]
SYNTHEA_DIR = Path("/work/shared/data/synthea-r4-bundles")
LOINC_SYSTEM = "http://loinc.org"
# Observation categories that hold labs and vital signs (Synthea writes both "vital-signs" and "vital-sign").
LAB_AND_VITAL = {"laboratory", "vital-signs", "vital-sign"}
# Questionnaires and social history are not results a patient needs explained here.
NOT_RESULTS = {"survey", "social-history"}
TOP_N = 30
LOINC_CODE = re.compile(r"^(\d{1,7})-(\d)$")
# Plain language: no sentence this long, in either language.
MAX_WORDS_PER_SENTENCE = 35


def loinc_check_digit(body: str) -> int:
    """The Mod 10 check digit of the LOINC Users' Guide, step by step, for the digits before the hyphen.

    Counting from the right: join the digits in odd positions (1st, 3rd, ...) and double that number; append
    the digits in even positions; add up all the digits of the result; the check digit is what is left to
    reach the next multiple of ten.
    """
    from_right = body[::-1]
    odd = from_right[0::2]
    even = from_right[1::2]
    joined = str(int(odd) * 2) + even
    total = sum(int(digit) for digit in joined)
    return (10 - total % 10) % 10


def test_check_digit_matches_the_users_guide_and_known_codes() -> None:
    assert loinc_check_digit("12345") == 5  # the worked example in the LOINC Users' Guide
    known = {"2339": 0, "4548": 4, "3016": 3, "8480": 6, "718": 7, "33914": 3, "85354": 9}
    assert {body: loinc_check_digit(body) for body in known} == known


def test_every_code_is_well_formed_with_a_valid_check_digit() -> None:
    for code, entry in EXPLANATIONS.items():
        match = LOINC_CODE.match(code)
        assert match, f"{code!r} is not digits, a hyphen and one check digit"
        body, check = match.groups()
        assert loinc_check_digit(body) == int(check), f"{code}: check digit should be {loinc_check_digit(body)}"
        assert entry.loinc == code


def test_at_least_forty_codes_are_explained() -> None:
    assert len(EXPLANATIONS) >= 40


def test_every_field_has_english_and_spanish_text() -> None:
    for code, entry in EXPLANATIONS.items():
        for field in TEXT_FIELDS:
            texts = getattr(entry, field)
            assert set(texts) == set(LANGUAGES), f"{code} {field}: languages {sorted(texts)}"
            for language in LANGUAGES:
                text = texts[language]
                assert isinstance(text, str), f"{code} {field} {language}"
                assert text.strip(), f"{code} {field} {language} is empty"
                assert text == text.strip() and "  " not in text, f"{code} {field} {language}: stray spaces"


def test_spanish_is_never_a_copy_of_the_english() -> None:
    for code, entry in EXPLANATIONS.items():
        for field in TEXT_FIELDS:
            texts = getattr(entry, field)
            assert texts["es"] != texts["en"], f"{code} {field}: Spanish is the English text"


def test_spanish_speaks_to_the_patient_as_usted() -> None:
    informal = re.compile(r"\b(tú|tu|tus|te|ti|contigo|tienes|puedes|debes|llámanos)\b", re.IGNORECASE)
    for code, entry in EXPLANATIONS.items():
        for field in TEXT_FIELDS:
            found = informal.findall(entry.text(field, "es"))
            assert not found, f"{code} {field}: informal Spanish {found}"


def test_sentences_stay_short() -> None:
    for code, entry in EXPLANATIONS.items():
        for field in TEXT_FIELDS:
            for language in LANGUAGES:
                for sentence in re.split(r"(?<=[.!?])\s+", entry.text(field, language)):
                    words = len(sentence.split())
                    assert words <= MAX_WORDS_PER_SENTENCE, f"{code} {field} {language}: {words} words: {sentence}"


def test_next_steps_are_the_constants_and_critical_is_never_less_urgent() -> None:
    assert NEXT_STEPS == (ROUTINE, MESSAGE, CALL, EMERGENCY)
    assert len(set(NEXT_STEPS)) == 4
    for code, entry in EXPLANATIONS.items():
        assert entry.next_step in NEXT_STEPS, code
        assert entry.critical_next_step in NEXT_STEPS, code
        assert NEXT_STEPS.index(entry.critical_next_step) >= NEXT_STEPS.index(entry.next_step), code


@pytest.mark.parametrize(
    "code",
    [
        "6298-4",  # potassium
        "2947-0",  # sodium
        "2339-0",  # glucose
        "718-7",  # hemoglobin
        "49765-1",  # calcium
        "777-3",  # platelets
        "8480-6",  # systolic blood pressure
        "59408-5",  # oxygen saturation
    ],
)
def test_critical_values_that_can_kill_send_the_patient_to_emergency_care(code: str) -> None:
    assert EXPLANATIONS[code].critical_next_step == EMERGENCY


def test_guidance_covers_every_next_step_in_both_languages() -> None:
    assert set(GUIDANCE) == set(NEXT_STEPS)
    for step, sentences in GUIDANCE.items():
        assert set(sentences) == set(LANGUAGES), step
        for language in LANGUAGES:
            assert sentences[language].strip(), f"{step} {language}"
        assert sentences["es"] != sentences["en"], step
    for language in LANGUAGES:
        assert "911" in GUIDANCE[EMERGENCY][language]
        assert "911" not in GUIDANCE[ROUTINE][language]
    assert "emergency department" in GUIDANCE[EMERGENCY]["en"]
    assert "sala de emergencias" in GUIDANCE[EMERGENCY]["es"]
    assert set(DISCLAIMER) == set(LANGUAGES)
    assert "not a diagnosis" in DISCLAIMER["en"]
    assert "no un diagnóstico" in DISCLAIMER["es"]


@pytest.mark.parametrize(
    "code",
    [
        "3016-3",  # TSH
        "4548-4",  # hemoglobin A1c
        "33914-3",  # eGFR
        "55284-4",  # blood pressure panel
        "8480-6",  # systolic
        "8462-4",  # diastolic
        "8867-4",  # heart rate
        "9279-1",  # respiratory rate
        "29463-7",  # body weight
        "8302-2",  # body height
        "39156-5",  # BMI
        "8310-5",  # body temperature
        "59408-5",  # oxygen saturation by pulse oximetry
        "2708-6",  # oxygen saturation
        "72514-3",  # pain severity
    ],
)
def test_the_everyday_vitals_and_key_labs_are_explained(code: str) -> None:
    assert explain(code) is not None


def test_text_picks_the_language_and_falls_back_to_english() -> None:
    glucose = explain("2339-0")
    assert glucose is not None
    assert glucose.text("name", "es") == glucose.name["es"]
    assert glucose.text("name", "es-MX") == glucose.name["es"]
    assert glucose.text("high", "es_US") == glucose.high["es"]
    assert glucose.text("low", "en") == glucose.low["en"]
    assert glucose.text("measures", "fr") == glucose.measures["en"]
    assert glucose.text("measures", None) == glucose.measures[DEFAULT_LANGUAGE]
    assert glucose.text("next_step", "es") == GUIDANCE[glucose.next_step]["es"]
    assert glucose.text("critical_next_step", "en") == GUIDANCE[EMERGENCY]["en"]

    english_only = Explanation(
        loinc="12345-5",
        name={"en": "Test"},
        measures={"en": "Measures."},
        high={"en": "High."},
        low={"en": "Low."},
        next_step=ROUTINE,
        critical_next_step=CALL,
    )
    assert english_only.text("high", "es") == "High."
    assert guidance(MESSAGE, "pt-BR") == GUIDANCE[MESSAGE]["en"]


def test_text_refuses_an_unknown_field() -> None:
    glucose = explain("2339-0")
    assert glucose is not None
    with pytest.raises(ValueError, match="unknown field"):
        glucose.text("loinc", "en")
    assert set(NEXT_STEP_FIELDS) == {"next_step", "critical_next_step"}


def test_explanations_are_frozen_and_checked() -> None:
    glucose = explain("2339-0")
    assert glucose is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        glucose.next_step = ROUTINE  # type: ignore[misc]
    text = {"en": "x"}
    with pytest.raises(ValueError, match="next_step"):
        Explanation("1-8", text, text, text, text, next_step="soon", critical_next_step=CALL)
    with pytest.raises(ValueError, match="less urgent"):
        Explanation("1-8", text, text, text, text, next_step=CALL, critical_next_step=ROUTINE)
    with pytest.raises(ValueError, match="no 'en' text"):
        Explanation("1-8", text, {"es": "x"}, text, text, next_step=ROUTINE, critical_next_step=ROUTINE)


def test_explain_finds_known_codes_only() -> None:
    assert explain("4548-4") is EXPLANATIONS["4548-4"]
    assert explain(" 4548-4 ") is EXPLANATIONS["4548-4"]
    assert explain("72166-2") is None  # tobacco smoking status: a survey item, not a result
    assert explain("") is None


def test_codes_that_share_a_measurement_share_its_text() -> None:
    assert EXPLANATIONS["85354-9"].high == EXPLANATIONS["55284-4"].high
    assert EXPLANATIONS["85354-9"].loinc == "85354-9"
    assert EXPLANATIONS["8331-1"].low == EXPLANATIONS["8310-5"].low
    assert EXPLANATIONS["59408-5"].high == EXPLANATIONS["2708-6"].high


def test_the_module_loads_without_django() -> None:
    code = (
        "import sys, records.plain_language as p; "
        "assert p.EXPLANATIONS; "
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def _lab_and_vital_counts(folder: Path) -> Counter[str]:
    """How often each LOINC code appears on a lab or vital-sign Observation (blood-pressure parts included)."""
    counts: Counter[str] = Counter()
    for path in sorted(folder.glob("*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        for entry in bundle.get("entry", []):
            resource = entry.get("resource", {})
            if resource.get("resourceType") != "Observation":
                continue
            categories = {
                coding.get("code") for category in resource.get("category", []) for coding in category.get("coding", [])
            }
            if not categories & LAB_AND_VITAL or categories & NOT_RESULTS:
                continue
            concepts = [resource.get("code", {})] + [part.get("code", {}) for part in resource.get("component", [])]
            for concept in concepts:
                counts.update(
                    {coding["code"] for coding in concept.get("coding", []) if coding.get("system") == LOINC_SYSTEM}
                )
    return counts


@pytest.fixture(scope="module")
def synthea_counts() -> Counter[str]:
    if not SYNTHEA_DIR.is_dir() or not any(SYNTHEA_DIR.glob("*.json")):
        pytest.skip(f"no Synthea bundles in {SYNTHEA_DIR}")
    return _lab_and_vital_counts(SYNTHEA_DIR)


def test_the_most_common_synthea_lab_and_vital_codes_are_explained(synthea_counts: Counter[str]) -> None:
    ranked = synthea_counts.most_common()
    assert ranked, "the Synthea bundles hold no lab or vital-sign observations"
    # Everything at least as common as the 30th code, so a tie at the cut-off does not depend on file order.
    cutoff = ranked[min(TOP_N, len(ranked)) - 1][1]
    top = [code for code, count in ranked if count >= cutoff]
    assert len(top) >= min(TOP_N, len(ranked))
    missing = [(code, synthea_counts[code]) for code in top if code not in EXPLANATIONS]
    assert not missing, f"common Synthea codes with no explanation: {missing}"


def test_the_synthea_scan_leaves_out_survey_items(synthea_counts: Counter[str]) -> None:
    assert "72166-2" not in synthea_counts  # Tobacco smoking status (category "survey")
