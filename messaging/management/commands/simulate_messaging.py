"""Simulate a month of message traffic through the real services and print the SLA compliance."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from messaging.models import Category
from messaging.selectors.staff_metrics import Compliance
from messaging.simulation import DEFAULT_MIX, SimulationConfig, simulate


def _mix(value: str) -> dict[str, float]:
    """ "refill=3,new_symptom=2" -> weights per category."""
    mix = {}
    for part in value.split(","):
        category, _sep, weight = part.partition("=")
        if category.strip() not in Category.values:
            raise CommandError(f"unknown category {category!r}; choose from {', '.join(Category.values)}")
        mix[category.strip()] = float(weight or 1)
    return mix


def _number(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{value:.1f} {unit}"


def _pool_line(row: Compliance) -> str:
    return (
        f"  {row.name}: {row.threads:,} threads, on time {_number(row.on_time_percent, '%')}, "
        f"breaches {row.breaches:,}, median {_number(row.median_business_minutes, 'business min')}"
    )


class Command(BaseCommand):
    help = (
        "Run synthetic message traffic through the real messaging services on an accelerated clock, "
        "in a throwaway clinic (rolled back unless --keep), and print its SLA compliance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = SimulationConfig()
        parser.add_argument("--days", type=int, default=defaults.days, help="Days of arrivals (default 30).")
        parser.add_argument("--per-day", type=int, default=defaults.per_day, help="Messages a day (default 40).")
        parser.add_argument("--nurses", type=int, default=defaults.nurses)
        parser.add_argument("--physicians", type=int, default=defaults.physicians)
        parser.add_argument("--front-desk", type=int, default=defaults.front_desk)
        parser.add_argument(
            "--capacity", type=float, default=defaults.capacity, help="First answers per person per business hour."
        )
        parser.add_argument("--lead-capacity", type=float, default=defaults.lead_capacity)
        parser.add_argument(
            "--escalate", type=float, default=defaults.escalate, help="Share of nurses' threads sent to a physician."
        )
        parser.add_argument("--urgent", type=float, default=defaults.urgent, help="Share of urgent messages.")
        parser.add_argument(
            "--mix",
            type=_mix,
            default=None,
            help="Category weights, e.g. refill=3,new_symptom=2 (default: "
            + ",".join(f"{c}={w}" for c, w in DEFAULT_MIX.items())
            + ").",
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--start", type=date.fromisoformat, default=defaults.start, help="First day (YYYY-MM-DD).")
        parser.add_argument(
            "--drain-days", type=int, default=defaults.drain_days, help="Days of work after the last arrival."
        )
        parser.add_argument("--keep", action="store_true", help="Commit the simulated clinic instead of rolling back.")

    def handle(self, *args: Any, **options: Any) -> None:
        fields = {
            name: options[name]
            for name in (
                "days",
                "per_day",
                "nurses",
                "physicians",
                "front_desk",
                "capacity",
                "lead_capacity",
                "escalate",
                "urgent",
                "seed",
                "start",
                "drain_days",
                "keep",
            )
        }
        if options["mix"]:
            fields["mix"] = options["mix"]
        try:
            config = SimulationConfig(**fields)
        except ValueError as error:
            raise CommandError(str(error)) from error
        metrics = simulate(config).metrics
        total = metrics.total
        self.stdout.write(f"threads {total.threads:,}, answered {total.answered:,}, waiting {total.waiting:,}")
        self.stdout.write(f"on time {_number(total.on_time_percent, '%')} of {total.decided:,} decided")
        self.stdout.write(f"breaches {total.breaches:,}, escalations to a lead {total.escalations:,}")
        self.stdout.write(
            "first response: median "
            f"{_number(total.median_business_minutes, 'business min')} / {_number(total.median_hours, 'h')}, "
            f"p90 {_number(total.p90_business_minutes, 'business min')} / {_number(total.p90_hours, 'h')}"
        )
        self.stdout.write(f"reached a physician {_number(total.physician_percent, '%')}")
        for row in metrics.pools:
            self.stdout.write(_pool_line(row))
        kept = f"kept as organization {metrics.organization.slug}" if config.keep else "rolled back"
        self.stdout.write(f"Everything the simulation wrote was {kept}.")
