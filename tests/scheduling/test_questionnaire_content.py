"""The PHQ-9 and GAD-7 wording file (scheduling/content/questionnaires.toml): the shipped file loads
to the instruments the code uses, and a broken copy is refused with the file and the place named."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduling.questionnaires import CONTENT, GAD7, INSTRUMENTS, PHQ9, ContentError, load
from tests.files import copy_of, replace_once


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return copy_of(CONTENT, tmp_path)


def test_the_shipped_file_is_the_wording_the_code_uses() -> None:
    assert load() == INSTRUMENTS == {"phq9": PHQ9, "gad7": GAD7}
    assert PHQ9.question_stem().startswith("Over the last 2 weeks")
    # GAD-7's Spanish scale starts with its own word; the other answers are PHQ-9's.
    assert GAD7.options[0] == ("Not at all", "Nunca") and GAD7.options[1:] == PHQ9.options[1:]


def test_a_text_without_its_spanish_is_refused(copy: Path) -> None:
    replace_once(copy, 'es = "Poco interés o placer en hacer cosas"\n', "")

    with pytest.raises(ContentError, match=r"questionnaires\.toml: phq9\.items\[1\]: expected one text per language"):
        load(copy)


def test_an_empty_text_is_refused(copy: Path) -> None:
    replace_once(copy, 'en = "Trouble relaxing"', 'en = " "')

    with pytest.raises(ContentError, match=r"gad7\.items\[4\]\.en: expected non-empty text"):
        load(copy)


def test_an_item_missing_is_refused(copy: Path) -> None:
    text = copy.read_text(encoding="utf-8")
    last = text.rindex("[[gad7.items]]")
    copy.write_text(text[:last], encoding="utf-8")

    with pytest.raises(ContentError, match=r"gad7\.items: expected a list of 7"):
        load(copy)


def test_a_fifth_answer_is_refused(copy: Path) -> None:
    last = '    { en = "Nearly every day", es = "Casi todos los días" },\n'
    replace_once(copy, last, last + '    { en = "Always", es = "Siempre" },\n')

    with pytest.raises(ContentError, match=r"phq9\.options: expected a list of 4"):
        load(copy)


def test_an_unknown_instrument_is_refused(copy: Path) -> None:
    replace_once(copy, "[gad7]", "[gad2]")

    with pytest.raises(ContentError, match=r"expected one table per instrument \['gad7', 'phq9'\]"):
        load(copy)


def test_a_file_that_is_not_toml_is_refused(copy: Path) -> None:
    replace_once(copy, "[phq9]", "[phq9")

    with pytest.raises(ContentError, match=r"questionnaires\.toml: "):
        load(copy)
