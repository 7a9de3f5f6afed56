"""Money in templates: integer cents shown as dollars and cents."""

from __future__ import annotations

from django import template

from billing.money import dollars as format_dollars

register = template.Library()


@register.filter
def dollars(cents: int | None) -> str:
    return format_dollars(cents or 0)
