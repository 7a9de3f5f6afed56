"""The built-in instruments: PHQ-9 (depression) and GAD-7 (anxiety), in English and Spanish.

The item wording is the published wording (PHQ-9 and GAD-7 by Drs. Robert L. Spitzer, Janet B.W.
Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc.; no permission
required to reproduce, translate, display or distribute), US English and the US Spanish version.
It is kept in `scheduling/content/questionnaires.toml`, not in the translation files, so nobody
retranslates a validated instrument; this module loads it once, checks it (every text in both
languages, the number of items the scoring expects, four answers on the 0-3 scale) and raises
`ContentError` naming the file when it is wrong. The scoring (bands, the safety item, the LOINC
total) stays here.

Each item is answered 0-3; the total is their sum and falls in a published severity band.
PHQ-9 item 9 (thoughts of being better off dead or of self-harm) above 0 needs a person at once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

CONTENT: Final = Path(__file__).resolve().parent / "content" / "questionnaires.toml"
LANGUAGES: Final = ("en", "es")
SCALE: Final = 4  # answers 0-3


class ContentError(ValueError):
    """The questionnaires' data file is missing, malformed or incomplete; the message names the file."""


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    key: str
    label: Promise


@dataclass(frozen=True)
class Instrument:
    key: str
    loinc_total: str
    total_display: str
    stem: tuple[str, str]  # (English, Spanish)
    items: tuple[tuple[str, str], ...]
    options: tuple[tuple[str, str], ...]  # the 0-3 scale's words
    bands: tuple[Band, ...]
    # The item whose answer above 0 alerts staff at once (1-based), if any.
    safety_item: int | None = None

    def _pick(self, pair: tuple[str, str]) -> str:
        return pair[1] if get_language() == "es" else pair[0]

    def question_stem(self) -> str:
        return self._pick(self.stem)

    def questions(self) -> list[tuple[int, str]]:
        return [(number, self._pick(item)) for number, item in enumerate(self.items, start=1)]

    def scale(self) -> list[tuple[int, str]]:
        return [(value, self._pick(words)) for value, words in enumerate(self.options)]

    def score(self, answers: dict[int, int]) -> int:
        return sum(answers[number] for number in range(1, len(self.items) + 1))

    def band(self, score: int) -> Band:
        return next(band for band in self.bands if band.low <= score <= band.high)

    def needs_safety_follow_up(self, answers: dict[int, int]) -> bool:
        return self.safety_item is not None and answers.get(self.safety_item, 0) > 0


@dataclass(frozen=True)
class Scoring:
    """What the code knows of an instrument; its words come from the data file."""

    loinc_total: str
    total_display: str
    item_count: int
    bands: tuple[Band, ...]
    safety_item: int | None = None


SCORING: Final[dict[str, Scoring]] = {
    "phq9": Scoring(
        loinc_total="44261-6",
        total_display="PHQ-9 total score",
        item_count=9,
        bands=(
            Band(0, 4, "minimal", _("Minimal or none")),
            Band(5, 9, "mild", _("Mild")),
            Band(10, 14, "moderate", _("Moderate")),
            Band(15, 19, "moderately_severe", _("Moderately severe")),
            Band(20, 27, "severe", _("Severe")),
        ),
        safety_item=9,
    ),
    "gad7": Scoring(
        loinc_total="70274-6",
        total_display="GAD-7 total score",
        item_count=7,
        bands=(
            Band(0, 4, "minimal", _("Minimal")),
            Band(5, 9, "mild", _("Mild")),
            Band(10, 14, "moderate", _("Moderate")),
            Band(15, 21, "severe", _("Severe")),
        ),
    ),
}


def _fail(path: Path, message: str) -> ContentError:
    return ContentError(f"{path}: {message}")


def _pair(path: Path, value: Any, where: str) -> tuple[str, str]:
    """(English, Spanish) of one text; both present, nothing else."""
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise _fail(path, f"{where}: expected one text per language {list(LANGUAGES)}")
    for language in LANGUAGES:
        text = value[language]
        if not isinstance(text, str) or not text.strip() or text != text.strip():
            raise _fail(path, f"{where}.{language}: expected non-empty text without leading or trailing spaces")
    return value["en"], value["es"]


def _pairs(path: Path, value: Any, where: str, count: int) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or len(value) != count:
        raise _fail(path, f"{where}: expected a list of {count}")
    return tuple(_pair(path, item, f"{where}[{number}]") for number, item in enumerate(value, start=1))


def load(path: Path = CONTENT) -> dict[str, Instrument]:
    """Read and check the data file; the first mistake raises ContentError naming it."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise _fail(path, str(error)) from error
    if set(document) != set(SCORING):
        raise _fail(path, f"expected one table per instrument {sorted(SCORING)}, found {sorted(document)}")
    instruments = {}
    for key, scoring in SCORING.items():
        words = document[key]
        if not isinstance(words, dict) or set(words) != {"stem", "options", "items"}:
            raise _fail(path, f"{key}: expected stem, options and items")
        instruments[key] = Instrument(
            key=key,
            loinc_total=scoring.loinc_total,
            total_display=scoring.total_display,
            stem=_pair(path, words["stem"], f"{key}.stem"),
            items=_pairs(path, words["items"], f"{key}.items", scoring.item_count),
            options=_pairs(path, words["options"], f"{key}.options", SCALE),
            bands=scoring.bands,
            safety_item=scoring.safety_item,
        )
    return instruments


INSTRUMENTS: Final[dict[str, Instrument]] = load()
PHQ9: Final = INSTRUMENTS["phq9"]
GAD7: Final = INSTRUMENTS["gad7"]
OPTIONS_PHQ: Final = PHQ9.options
OPTIONS_GAD: Final = GAD7.options
