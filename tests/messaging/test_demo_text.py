"""The demo's messaging text (messaging/content/demo.toml): the shipped file loads with real categories and
both languages, and a mistake is refused naming the file.

No database: the loader reads a TOML file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from messaging.demo import CONTENT, DEMO_TEXT, DemoTextError, load_demo_text
from messaging.models import Category
from tests.files import copy_of, replace_once


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return copy_of(CONTENT, tmp_path)


def test_the_shipped_text_loads_with_categories_and_both_languages() -> None:
    assert load_demo_text() == DEMO_TEXT
    assert {language for language, *_rest in DEMO_TEXT.quick_replies} == {"en", "es"}
    assert all(isinstance(conversation.category, Category) for conversation in DEMO_TEXT.conversations)
    assert Category.REFILL in DEMO_TEXT.history_subjects
    assert DEMO_TEXT.history_answer["es"] == "Gracias por escribir. Ya lo resolvimos."
    assert ("LPC-100006", "karen.mitchell@example.com", "en") in DEMO_TEXT.history_writers


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('categories = ["refill"]', 'categories = ["refills"]', r"quick_replies\[0\]\.categories: 'refills'"),
        ('language = "en"', 'language = "fr"', r"quick_replies\[0\]\.language: 'fr'"),
        ("days_ago = 6", "days = 6", r"conversations\[0\]: .*unexpected keyword argument 'days'"),
        (', es = "Solicitud de resurtido"', "", r"history\.subjects\.refill: needs text in each of"),
        ('en = "Thank you for writing. This is taken care of."', "", r"history\.answer: needs text"),
    ],
)
def test_a_mistake_is_refused_naming_the_file(copy: Path, old: str, new: str, message: str) -> None:
    replace_once(copy, old, new)
    with pytest.raises(DemoTextError, match=r"demo\.toml: " + message):
        load_demo_text(copy)
