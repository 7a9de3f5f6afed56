"""Money as the patient types and reads it: dollars and cents in, integer cents kept."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _


class AmountInvalid(ValueError):
    """An amount that is not dollars and cents (its message is fit to show)."""


def parse_amount(text: str) -> int:
    """Cents from "25", "25.5", "$1,025.50"; refused with a clear message otherwise."""
    cleaned = text.strip().replace("$", "").replace(",", "").strip()
    if not cleaned:
        raise AmountInvalid(_("Enter an amount, like 25.00."))
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
