"""The plain-language data files: every shipped file loads and validates, and the loader rejects a file with
a missing translation, a code explained twice, or placeholders that differ between languages, naming the file.

No database: the loader reads TOML files with the standard library.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from records.plain_language import (
    CONTENT,
    EXPLANATIONS,
    PENDING,
    SYSTEMS,
    ContentError,
    content,
    load,
)
from tests.files import copy_of, replace_once


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the shipped content to break one file of."""
    return copy_of(CONTENT, tmp_path)


def test_every_shipped_file_validates_and_each_code_has_one_file() -> None:
    loaded = load(CONTENT)
    assert loaded == content()
    files = sorted(path for directory in SYSTEMS for path in (CONTENT / directory).glob("*.toml"))
    assert len(files) == len(loaded.reviews) - 1  # and guidance.toml
    assert {path.stem for path in files} <= set(loaded.explanations)
    assert set(loaded.explanations) == set(EXPLANATIONS)


def test_no_file_claims_a_review_nobody_did() -> None:
    for name, review in content().reviews.items():
        assert review.reviewed_by == PENDING, f"{name}: reviewed by {review.reviewed_by!r}"
        assert review.reviewed_on == PENDING, name
        assert review.status.startswith("draft"), name


def test_the_folder_has_a_readme_for_reviewers_and_translators() -> None:
    readme = (CONTENT / "README.md").read_text(encoding="utf-8")
    for topic in ("Adding a code", "Adding a language", "Review"):
        assert topic in readme


def test_a_missing_spanish_text_is_refused_naming_the_file(folder: Path) -> None:
    path = folder / "loinc" / "2339-0.toml"
    replace_once(path, 'es = "Azúcar', 'fr = "Sucre')
    with pytest.raises(ContentError, match=r"2339-0\.toml: name: missing \['es'\], unknown \['fr'\]"):
        load(folder)


def test_a_file_that_is_not_toml_is_refused_naming_it(folder: Path) -> None:
    replace_once(folder / "guidance.toml", "[disclaimer]", "[disclaimer")
    with pytest.raises(ContentError, match=r"guidance\.toml: "):
        load(folder)


def test_a_code_explained_in_two_files_is_refused(folder: Path) -> None:
    replace_once(folder / "loinc" / "2339-0.toml", 'codes = ["2339-0"]', 'codes = ["2339-0", "4548-4"]')
    with pytest.raises(ContentError, match=r"4548-4\.toml: codes: 4548-4 is already explained in .*2339-0\.toml"):
        load(folder)


def test_a_placeholder_missing_from_a_translation_is_refused(folder: Path) -> None:
    path = folder / "loinc" / "2339-0.toml"
    replace_once(path, 'en = "Blood sugar', 'en = "Blood sugar {value}')
    replace_once(path, 'es = "Azúcar', 'es = "Azúcar {valor}')
    with pytest.raises(ContentError, match=r"2339-0\.toml: name\.es: placeholders \['\{valor\}'\] differ"):
        load(folder)


def test_the_same_placeholders_in_every_language_load(folder: Path) -> None:
    path = folder / "loinc" / "2339-0.toml"
    replace_once(path, 'en = "Blood sugar', 'en = "Blood sugar %(unit)s')
    replace_once(path, 'es = "Azúcar', 'es = "Azúcar %(unit)s')
    assert load(folder).explanations["2339-0"].name["es"].startswith("Azúcar %(unit)s")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('es = "Azúcar en la sangre (glucosa)"', 'es = ""', r"name\.es: expected non-empty text"),
        ('next_step = "', 'next_step = "soon', "next_step must be one of"),
        ('system = "http://loinc.org"', 'system = "http://snomed.info/sct"', "system: expected"),
        ('codes = ["2339-0"]', 'codes = ["2339"]', "is not a LOINC code"),
        ('codes = ["2339-0"]', 'codes = ["2345-7"]', "named 2345-7.toml"),
        ('reviewed_on = "pending"', "reviewed_on = 2026-12-01", "reviewed_by and reviewed_on"),
        ("written_on = 2026-11-21", 'written_on = "soon"', "written_on: must be a date"),
        ('display = "', 'displayed = "', r"missing \['display'\], unknown \['displayed'\]"),
    ],
)
def test_a_malformed_file_is_refused_naming_it(folder: Path, old: str, new: str, message: str) -> None:
    replace_once(folder / "loinc" / "2339-0.toml", old, new)
    with pytest.raises(ContentError, match=r"2339-0\.toml: .*" + message):
        load(folder)


def test_a_missing_next_step_sentence_is_refused(folder: Path) -> None:
    path = folder / "guidance.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("[guidance.emergency]")], encoding="utf-8")
    with pytest.raises(ContentError, match=r"guidance\.toml: guidance: missing \['emergency'\]"):
        load(folder)
