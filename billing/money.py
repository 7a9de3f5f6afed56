"""Money as the patient types and reads it: dollars and cents in, integer cents kept."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import gettext as _


class AmountInvalid(ValueError):
    """An amount that is not dollars and cents (its message is fit to show)."""


def _plain(text: str) -> str | None:
    """The amount as "1234.5" read by the active language's decimal separator ("1,20" is $1.20 in
    Spanish, "1,200" $1,200 in English), or by the other one where that cannot be misread (a lone
    separator before one or two digits, or both separators in their places); None when it is not
    a number of ASCII digits at all ("١٠", "1_0", which Python's Decimal would take)."""
    sign, rest = ("-", text[1:].strip()) if text.startswith("-") else ("", text)
    if not re.fullmatch(r"[0-9.,]+", rest):
        return None
    own = str(formats.get_format("DECIMAL_SEPARATOR"))
    other = "," if own == "." else "."
    for decimal, group, ours in ((own, other, True), (other, own, False)):
        found = re.fullmatch(rf"(\d{{1,3}}(?:{re.escape(group)}\d{{3}})+|\d+)(?:{re.escape(decimal)}(\d+))?", rest)
        if found is None:
            continue
        whole, cents = found.group(1), found.group(2)
        if ours or group not in rest or (cents is not None and len(cents) <= 2):
            return sign + whole.replace(group, "") + (f".{cents}" if cents is not None else "")
    return None


def parse_amount(text: str) -> int:
    """Cents from "25", "25.5", "$1,025.50" (and "1.025,50" or "1,20" in Spanish); refused with a
    clear message otherwise."""
    stripped = text.strip().replace("$", "").strip()
    if not stripped:
        raise AmountInvalid(_("Enter an amount, like 25.00."))
    cleaned = _plain(stripped)
    if cleaned is None:
        raise AmountInvalid(_("Enter the amount as a number in dollars and cents, like 25.00."))
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise AmountInvalid(_("Enter the amount as a number in dollars and cents, like 25.00.")) from error
    if not value.is_finite():
        raise AmountInvalid(_("Enter the amount as a number in dollars and cents, like 25.00."))
    if value <= 0:
        raise AmountInvalid(_("Enter an amount greater than $0.00."))
    if value != value.quantize(Decimal("0.01")):
        raise AmountInvalid(_("Enter no more than two digits for the cents, like 25.50."))
    if value >= Decimal("1000000"):
        raise AmountInvalid(_("Enter an amount under $1,000,000.00."))
    return int(value * 100)


def dollars(cents: int) -> str:
    """ "$1,234.56" (negative: "-$12.00")."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"
