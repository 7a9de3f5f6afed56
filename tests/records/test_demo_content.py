"""The demo clinic's data files (records/content/demo): the shipped files load, and a story that names
something the vocabulary lacks, or a field the code does not know, is refused naming the file.

No database: the loaders read TOML files and build dataclasses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from records.demo import (
    CONTENT,
    STORIES,
    STORIES_FILE,
    VOCABULARY,
    VOCABULARY_FILE,
    DemoDataError,
    load_stories,
    load_vocabulary,
)
from tests.files import copy_of, replace_once


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the shipped files to break one of."""
    return copy_of(CONTENT, tmp_path)


def test_the_shipped_files_load_into_the_modules_data() -> None:
    vocabulary = load_vocabulary(VOCABULARY_FILE)
    assert vocabulary == VOCABULARY
    assert load_stories(vocabulary, STORIES_FILE) == STORIES
    assert len(STORIES) == 20
    assert STORIES["LPC-100004"].treats == {"sertraline": "anxiety"}
    assert STORIES["LPC-100006"].problems[0] == ("hypertension", 20)
    assert STORIES["LPC-100008"].stay is not None and STORIES["LPC-100008"].stay.vaccine == "tdap"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'medications = ["lisinopril", "levothyroxine"',
            'medications = ["lisinoprill", "levothyroxine"',
            r"stories\.LPC-100001\.medications: unknown medications \['lisinoprill'\]",
        ),
        ('panels = ["bmp", "lipids", "cbc", "tsh"]', 'panels = ["bmp", "xray"]', r"unknown panels \['xray'\]"),
        ("labs = { 3016-3 = ", "labs = { 3016-4 = ", r"unknown tests \['3016-4'\]"),
        ("visits = 5", "visitz = 5", "unexpected keyword argument 'visitz'"),
        ('summary = "Follow-up for high blood pressure and thyroid."', "", "missing 1 required positional"),
    ],
)
def test_a_story_naming_what_does_not_exist_is_refused_naming_the_file(
    folder: Path, old: str, new: str, message: str
) -> None:
    path = folder / "stories.toml"
    replace_once(path, old, new)
    with pytest.raises(DemoDataError, match=r"stories\.toml: .*" + message):
        load_stories(VOCABULARY, path)


def test_a_stay_with_an_unknown_vital_sign_is_refused(folder: Path) -> None:
    path = folder / "stories.toml"
    replace_once(path, "vitals = { 8867-4 = 124", "vitals = { 8867-5 = 124")
    with pytest.raises(DemoDataError, match=r"stories\.LPC-100005\.stay\.vitals: unknown vital signs"):
        load_stories(VOCABULARY, path)


def test_a_vocabulary_entry_without_its_display_is_refused(folder: Path) -> None:
    path = folder / "vocabulary.toml"
    replace_once(path, 'hypertension = ["59621000", "Essential hypertension"]', 'hypertension = ["59621000"]')
    with pytest.raises(DemoDataError, match=r"vocabulary\.toml: problems\.hypertension: expected 2"):
        load_vocabulary(path)


def test_a_schedule_naming_an_unknown_vaccine_is_refused(folder: Path) -> None:
    path = folder / "vocabulary.toml"
    replace_once(path, '["hepb", 0]', '["hepc", 0]')
    with pytest.raises(DemoDataError, match=r"childhood_schedule: unknown vaccines \['hepc'\]"):
        load_vocabulary(path)
