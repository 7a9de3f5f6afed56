"""Care gap rules' code lists: how an administrator writes them ("snomed 44054006", one a line),
what each code system is called in FHIR, and what a valid code of each system looks like.

Pure parsing and matching, no database: the model validates with it, the evaluation matches with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from records.minor_consent import loinc_check_digit_ok

# The short name an administrator writes -> the FHIR system URIs it stands for.
SYSTEMS: dict[str, tuple[str, ...]] = {
    "snomed": ("http://snomed.info/sct",),
    "icd10": ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10"),
    "rxnorm": ("http://www.nlm.nih.gov/research/umls/rxnorm",),
    "loinc": ("http://loinc.org",),
    "cpt": ("http://www.ama-assn.org/go/cpt",),
    "cvx": ("http://hl7.org/fhir/sid/cvx",),
}

_VALID = {
    "snomed": lambda code: re.fullmatch(r"\d{6,18}", code) is not None,
    # A value set of ICD-10 codes is written as prefixes: E11 is every type 2 diabetes code.
    "icd10": lambda code: re.fullmatch(r"[A-Z](\d[0-9A-Z]?(\.[0-9A-Z]{0,4})?)?", code) is not None,
    "rxnorm": lambda code: re.fullmatch(r"\d{1,8}", code) is not None,
    "loinc": loinc_check_digit_ok,
    "cpt": lambda code: re.fullmatch(r"\d{4}[0-9FTU]", code) is not None,
    "cvx": lambda code: re.fullmatch(r"\d{1,3}", code) is not None,
}

_WHAT = {
    "snomed": gettext_lazy("a SNOMED CT code (6 to 18 digits)"),
    "icd10": gettext_lazy("an ICD-10 code or prefix (E11, I10, Z12.11)"),
    "rxnorm": gettext_lazy("an RxNorm code (up to 8 digits)"),
    "loinc": gettext_lazy("a LOINC code with a correct check digit (4548-4)"),
    "cpt": gettext_lazy("a CPT code (5 characters, 77067)"),
    "cvx": gettext_lazy("a CVX code (1 to 3 digits)"),
}


@dataclass(frozen=True)
class Code:
    system: str  # the short name
    code: str

    def matches(self, system_uri: str, code: str) -> bool:
        if system_uri not in SYSTEMS[self.system]:
            return False
        if self.system == "icd10":
            return code.upper().startswith(self.code)
        return code == self.code


class CodeListError(ValueError):
    pass


def parse(text: str, *, allowed: tuple[str, ...]) -> list[Code]:
    """Each non-empty line "system code" (a # starts a comment); CodeListError names the bad line."""
    codes: list[Code] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise CodeListError(
                _('Line %(number)s: write a code system and a code, for example "%(system)s 12345".')
                % {"number": number, "system": allowed[0]}
            )
        system, code = parts[0].lower(), parts[1].upper() if parts[0].lower() == "icd10" else parts[1]
        if system not in allowed:
            raise CodeListError(
                _("Line %(number)s: %(system)s is not one of %(allowed)s.")
                % {"number": number, "system": parts[0], "allowed": ", ".join(allowed)}
            )
        if not _VALID[system](code):
            raise CodeListError(
                _("Line %(number)s: %(code)s is not %(what)s.")
                % {"number": number, "code": code, "what": _WHAT[system]}
            )
        if Code(system, code) in codes:
            raise CodeListError(
                _("Line %(number)s: %(system)s %(code)s is listed twice.")
                % {"number": number, "system": system, "code": code}
            )
        codes.append(Code(system, code))
    return codes


def exact_values(codes: list[Code]) -> set[str]:
    """The code values the database can look up exactly (ICD-10 prefixes are matched by kind instead)."""
    return {code.code for code in codes if code.system != "icd10"}


def matches_any(codes: list[Code], system_uri: str, code: str) -> bool:
    return any(candidate.matches(system_uri, code) for candidate in codes)
