"""The Spanish catalog: complete, compiled, in step with the code, placeholders intact, used by the UI.

The .po file is read with a small parser below (no extra dependency). Checks that need GNU gettext
(msgfmt, xgettext) skip with a reason when those programs are not installed.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "locale"
PO_PATH = LOCALE_DIR / "es" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# What the documented `makemessages` run leaves out; anything else at the top of the repo is scanned.
NOT_SCANNED = {".venv", "node_modules", "var", "tests", "locale"}
PLACEHOLDER = re.compile(r"%\((\w+)\)")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.msgid[:60]!r}"


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the live (not obsolete) entries of a .po file."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field a continuation line ("...") extends

    def unquote(text: str) -> str:
        return ast.literal_eval(text.strip())  # PO strings use C escapes, which Python shares

    def start() -> Entry:
        nonlocal current
        if current is None or current.msgstr:
            current = Entry()
            entries.append(current)
        return current

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            target = None
            if not line:
                current = None
            continue
        if line.startswith("#,"):
            start().flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            start()
        elif line.startswith("msgctxt "):
            start().msgctxt = unquote(line[8:])
            target = ("msgctxt", 0)
        elif line.startswith("msgid_plural "):
            assert current is not None
            current.msgid_plural = unquote(line[13:])
            target = ("msgid_plural", 0)
        elif line.startswith("msgid "):
            entry = start()
            entry.msgid, entry.line = unquote(line[6:]), number
            target = ("msgid", 0)
        elif line.startswith("msgstr["):
            assert current is not None
            index, text = line[7:].split("]", 1)
            current.msgstr[int(index)] = unquote(text)
            target = ("msgstr", int(index))
        elif line.startswith("msgstr "):
            assert current is not None
            current.msgstr[0] = unquote(line[7:])
            target = ("msgstr", 0)
        elif line.startswith('"') and current is not None and target is not None:
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += unquote(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    headers = [entry for entry in entries if entry.msgid == "" and entry.msgctxt is None]
    assert len(headers) == 1, "the catalog needs exactly one header entry"
    return headers[0], [entry for entry in entries if entry is not headers[0]]


def _header_fields(header: Entry) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    header, entries = read_po(PO_PATH)
    assert entries, "the Spanish catalog is empty"

    untranslated = [entry.label for entry in entries if not entry.msgstr or not all(entry.msgstr.values())]
    fuzzy = [entry.label for entry in [header, *entries] if "fuzzy" in entry.flags]
    plurals_incomplete = [
        entry.label for entry in entries if entry.msgid_plural is not None and sorted(entry.msgstr) != [0, 1]
    ]

    assert untranslated == [], "translate these in locale/es/LC_MESSAGES/django.po"
    assert fuzzy == [], "check these translations, then remove their '#, fuzzy' flag"
    assert plurals_incomplete == [], "Spanish has two plural forms: fill msgstr[0] and msgstr[1]"
    fields = _header_fields(header)
    assert fields["Language"] == "es"
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert "charset=UTF-8" in fields["Content-Type"]


def test_every_msgid_appears_once() -> None:
    _header, entries = read_po(PO_PATH)
    keys = [(entry.msgctxt, entry.msgid) for entry in entries]

    assert sorted(key for key in set(keys) if keys.count(key) > 1) == []


def test_compiled_catalog_matches_the_po_file(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed, so the .mo file cannot be rebuilt to compare")
    assert MO_PATH.exists(), "run `manage.py compilemessages` to build locale/es/LC_MESSAGES/django.mo"
    fresh = tmp_path / "django.mo"

    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(PO_PATH)], check=True, timeout=30)

    with MO_PATH.open("rb") as committed_file, fresh.open("rb") as fresh_file:
        committed = gettext.GNUTranslations(committed_file)
        expected = gettext.GNUTranslations(fresh_file)
    committed_catalog: dict[object, str] = committed._catalog  # type: ignore[attr-defined]
    expected_catalog: dict[object, str] = expected._catalog  # type: ignore[attr-defined]
    stale = sorted(str(key) for key in expected_catalog.keys() ^ committed_catalog.keys())
    changed = sorted(
        str(key)
        for key in expected_catalog.keys() & committed_catalog.keys()
        if expected_catalog[key] != committed_catalog[key]
    )
    assert (stale, changed) == ([], []), "django.mo is out of date: run `manage.py compilemessages`"


def test_no_translatable_string_is_missing_from_the_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs makemessages, as documented, on a copy of the code and the current .po; nothing may be new."""
    needed = ["xgettext", "msgmerge", "msguniq", "msgattrib"]
    absent = [program for program in needed if shutil.which(program) is None]
    if absent:
        pytest.skip(f"GNU gettext programs not installed ({', '.join(absent)}), so makemessages cannot run")
    for item in ROOT.iterdir():
        if item.name.startswith(".") or item.name in NOT_SCANNED:
            continue
        if item.is_dir():
            shutil.copytree(item, tmp_path / item.name, ignore=shutil.ignore_patterns(".*", "__pycache__", "*.pyc"))
        else:
            shutil.copy2(item, tmp_path / item.name)
    copy = tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    shutil.copy2(PO_PATH, copy)
    monkeypatch.chdir(tmp_path)

    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["es"], ignore_patterns=sorted(NOT_SCANNED), no_obsolete=True, verbosity=0)

    _header, known = read_po(PO_PATH)
    _header, scanned = read_po(copy)
    known_keys = {(entry.msgctxt, entry.msgid, entry.msgid_plural) for entry in known}
    missing = sorted(
        entry.msgid for entry in scanned if (entry.msgctxt, entry.msgid, entry.msgid_plural) not in known_keys
    )
    assert missing == [], (
        "strings in the code are missing from the Spanish catalog: run makemessages -l es, translate, "
        "then compilemessages"
    )


def test_placeholders_are_kept() -> None:
    _header, entries = read_po(PO_PATH)
    broken = []
    for entry in entries:
        if "python-format" not in entry.flags:
            continue
        singular = set(PLACEHOLDER.findall(entry.msgid))
        expected = singular | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        for index, text in entry.msgstr.items():
            found = set(PLACEHOLDER.findall(text))
            # A singular form may leave out the count, as its English source does ("From %(names)s").
            required = singular if entry.msgid_plural and index == 0 else expected
            if not required <= found <= expected:
                broken.append(f"{entry.label} msgstr[{index}]")

    assert broken == [], "each translation must use exactly the %(name)s placeholders of its source"


def test_no_translation_gains_a_placeholder_its_source_lacks() -> None:
    """A %(name)s that only the translation has would raise KeyError when the string is formatted."""
    _header, entries = read_po(PO_PATH)
    extra = [
        entry.label
        for entry in entries
        for text in entry.msgstr.values()
        if set(PLACEHOLDER.findall(text)) - set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
    ]

    assert extra == []


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("Preferences", "Preferencias"),
        ("We couldn't find that page", "No encontramos esa página"),
        ("Patient Portal", "Portal del paciente"),
        ("Sign in", "Iniciar sesión"),
        ("Sign out", "Cerrar sesión"),
        ("Appointments", "Citas"),
        ("Billing", "Facturación"),
        ("Two-step sign-in", "Verificación en dos pasos"),
        ("Your recovery codes", "Sus códigos de recuperación"),
        ("Authenticator app", "Aplicación de autenticación"),
    ],
)
def test_key_strings_are_spanish(english: str, spanish: str) -> None:
    with translation.override("es"):
        assert _(english) == spanish
    with translation.override("en"):
        assert _(english) == english


def test_python_format_and_plurals_render_in_spanish() -> None:
    singular, plural = "You have %(n)s recovery code left.", "You have %(n)s recovery codes left."
    with translation.override("es"):
        assert _("%(name)s no longer has access.") % {"name": "Ana"} == "Ana ya no tiene acceso."
        assert ngettext(singular, plural, 1) % {"n": 1} == "Le queda 1 código de recuperación."
        assert ngettext(singular, plural, 3) % {"n": 3} == "Le quedan 3 códigos de recuperación."


def test_templates_render_in_spanish() -> None:
    template = Template(
        "{% load i18n %}{% translate 'Security' %} | "
        "{% blocktranslate count n=years %}{{ n }} year{% plural %}{{ n }} years{% endblocktranslate %} | "
        "{% blocktranslate with name=name %}Hello, {{ name }}{% endblocktranslate %}"
    )
    with translation.override("es"):
        assert template.render(Context({"years": 40, "name": "Rosa"})) == "Seguridad | 40 años | Hola, Rosa"


@pytest.mark.django_db
def test_a_page_is_served_in_spanish_to_a_browser_that_asks_for_it(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")

    page = response.content.decode()
    assert response.status_code == 404
    assert 'lang="es"' in page
    assert "No encontramos esa página" in page
    assert "Portal del paciente" in page
    assert "We couldn't find that page" not in page
