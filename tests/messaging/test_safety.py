"""The safety screen: red-flag words in English and Spanish, accents and case folded, whole words only."""

from __future__ import annotations

import pytest

from messaging import safety
from messaging.safety import fold, screen


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        # English
        ("I have chest pain since this morning", ["chest_pain"]),
        ("Crushing pressure in my chest", ["chest_pain"]),
        ("I think it's a heart attack", ["chest_pain"]),
        ("I can't breathe well", ["breathing"]),
        ("I CANNOT BREATHE", ["breathing"]),
        ("Trouble breathing at night", ["breathing"]),
        ("very short of breath on the stairs", ["breathing"]),
        ("My face is drooping on the left", ["stroke"]),
        ("slurred speech and weakness on one side", ["stroke"]),
        ("Could this be a stroke?", ["stroke"]),
        ("I have been having suicidal thoughts", ["suicide"]),
        ("Sometimes I want to die", ["suicide"]),
        ("I want to kill myself", ["suicide"]),
        ("I keep thinking I will hurt myself", ["suicide"]),
        ("There is heavy bleeding after the procedure", ["bleeding"]),
        ("I am coughing up blood", ["bleeding"]),
        ("I think I took too many pills, an overdose", ["overdose"]),
        ("He had a seizure this morning", ["seizure"]),
        ("My throat is swelling after the shot", ["anaphylaxis"]),
        ("She fainted in the kitchen", ["unconscious"]),
        ("passed out twice today", ["unconscious"]),
        # Curly apostrophes, as phones type them
        ("I can\u2019t breathe", ["breathing"]),
        # Spanish, with and without accents
        ("Tengo dolor de pecho", ["chest_pain"]),
        ("Siento presión en el pecho", ["chest_pain"]),
        ("presion en el pecho", ["chest_pain"]),
        ("No puedo respirar", ["breathing"]),
        ("Me falta el aire", ["breathing"]),
        ("Tiene la cara caída y habla arrastrada", ["stroke"]),
        ("Quiero morir", ["suicide"]),
        ("He pensado en suicidarme", ["suicide"]),
        ("Tengo ganas de hacerme daño", ["suicide"]),
        ("hacerme dano", ["suicide"]),
        ("Tengo un sangrado abundante", ["bleeding"]),
        ("Creo que fue una sobredosis", ["overdose"]),
        ("Tuvo convulsiones anoche", ["seizure"]),
        ("Se me cierra la garganta", ["anaphylaxis"]),
        ("Me desmayé en el baño", ["unconscious"]),
        ("Perdió el conocimiento", ["unconscious"]),
        # Several groups at once, in the order of RED_FLAGS
        ("Chest pain and I passed out", ["chest_pain", "unconscious"]),
    ],
)
def test_red_flags_are_found(text: str, flags: list[str]) -> None:
    assert screen(text) == flags


@pytest.mark.parametrize(
    "text",
    [
        "Can I get a refill of my lisinopril?",
        "My rash is itchy and red on my arm.",
        "Question about my bill from March",
        # Words inside other words never match.
        "I had heatstroke last summer",
        "She stroked the cat",
        "My fitness tracker shows my breathing rate",
        "I saw the doctor about my unconsciously clenched jaw",
        "Overdosage instructions on the label are unclear",
        "El medicamento para la convulsionabilidad",
        "Necesito una cita para la próxima semana",
        "I was breathing fine at the gym",
    ],
)
def test_ordinary_messages_are_not_flagged(text: str) -> None:
    assert screen(text) == []


def test_negation_is_not_understood_on_purpose() -> None:
    # A false alarm costs one more click; a missed emergency can cost a life (see the module).
    assert screen("No chest pain, just a cough") == ["chest_pain"]
    assert screen("No tengo dolor de pecho") == ["chest_pain"]


def test_subject_and_body_are_screened_together_but_not_joined_into_one_phrase() -> None:
    assert screen("Chest pain", "Since Monday") == ["chest_pain"]
    assert screen("Since Monday", "I have chest pain") == ["chest_pain"]
    # The last word of the subject and the first of the body are not a phrase.
    assert screen("My chest", "pain in my knee") == []


def test_fold_removes_case_accents_apostrophes_and_punctuation() -> None:
    assert fold("  ¿Me DESMAYÉ?  Sí... ") == "me desmaye si"
    assert fold("CAN\u2019T—breathe!!") == "cant breathe"
    assert fold("Daño") == "dano"


def test_every_pattern_is_written_in_folded_form() -> None:
    # A pattern with an accent or a capital could never match the folded text.
    for patterns in safety.RED_FLAGS.values():
        for pattern in patterns:
            assert pattern == pattern.lower()
            assert pattern.isascii(), pattern


def test_every_group_has_a_label_and_checked_refuses_unknown_groups() -> None:
    assert set(safety.FLAG_LABELS) == set(safety.RED_FLAGS)
    assert safety.checked(["stroke", "stroke", "chest_pain"]) == ["stroke", "chest_pain"]
    assert safety.checked(None) == []
    with pytest.raises(ValueError, match="unknown safety flags"):
        safety.checked(["headache"])
