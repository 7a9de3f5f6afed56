"""The messaging simulation: tiny deterministic scenarios whose outcome is known by reasoning, read
back through the metrics selectors; the command prints them and leaves nothing behind."""

from __future__ import annotations

from dataclasses import replace
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from messaging.models import Category, OwnershipChange, Thread
from messaging.selectors.staff_metrics import Compliance
from messaging.simulation import SimulationConfig, arrivals, simulate
from portal.models import Organization, StaffMember

pytestmark = pytest.mark.django_db

# Monday and Tuesday of arrivals, then Wednesday and Thursday for every promise to fall due.
TINY = SimulationConfig(
    days=2,
    drain_days=2,
    per_day=3,
    nurses=1,
    physicians=0,
    front_desk=0,
    capacity=1000,
    lead_capacity=0,
    escalate=0,
    urgent=0,
    mix={Category.NEW_SYMPTOM: 1},
    seed=7,
)


def same_numbers(rows: list[Compliance]) -> list[Compliance]:
    return [replace(row, key=None) for row in rows]


def with_(**changes) -> SimulationConfig:
    return SimulationConfig(**{**TINY.__dict__, **changes})


def test_one_nurse_answering_at_once_keeps_every_promise() -> None:
    total = simulate(TINY).metrics.total

    assert (total.threads, total.answered, total.decided, total.on_time, total.on_time_percent) == (6, 6, 6, 6, 100.0)
    counts = (total.breaches, total.escalations, total.waiting, total.late_now, total.reached_physician)
    assert counts == (0, 0, 0, 0, 0)
    # Answered at the first tick (15 minutes) after arrival, or at opening time: within one tick of business time.
    assert total.p90_business_minutes is not None and total.p90_business_minutes <= 15


def test_urgent_messages_are_answered_and_closed_as_the_nurses_protocol_allows() -> None:
    """A nurse may not close an urgent message as merely "answered" (messaging.protocols): she
    answers and closes it as needing a visit, and the simulation keeps running."""
    result = simulate(with_(urgent=1.0, keep=True))

    total = result.metrics.total
    assert (total.threads, total.answered, total.on_time_percent) == (6, 6, 100.0)
    assert set(Thread.objects.values_list("urgency", "status", "outcome")) == {("urgent", "closed", "needs_visit")}


def test_a_nurse_who_answers_nothing_breaks_every_promise_and_the_lead_takes_each_over() -> None:
    metrics = simulate(with_(capacity=0)).metrics

    total = metrics.total
    assert (total.threads, total.answered, total.decided, total.on_time_percent) == (6, 0, 6, 0.0)
    assert (total.breaches, total.escalations, total.waiting, total.late_now) == (6, 6, 6, 6)
    # Every thread now waits with the triage pool's lead (who answers nothing either).
    assert [(row.name, row.threads, row.escalations) for row in metrics.staff] == [("Nurse triage lead, RN", 6, 6)]


def test_with_no_staff_every_thread_goes_to_the_lead_at_once_and_is_late() -> None:
    metrics = simulate(with_(nurses=0)).metrics

    total = metrics.total
    assert (total.threads, total.breaches, total.escalations, total.late_now) == (6, 6, 0, 6)
    assert [(row.name, row.threads) for row in metrics.staff] == [("Nurse triage lead, RN", 6)]


def test_nurses_pass_threads_to_physicians_who_answer_them() -> None:
    metrics = simulate(with_(physicians=1, escalate=1.0)).metrics

    total = metrics.total
    assert (total.threads, total.answered, total.reached_physician, total.physician_percent) == (6, 6, 6, 100.0)
    assert [(row.name, row.threads) for row in metrics.staff] == [("Physicians 1, MD", 6)]


def test_the_same_seed_gives_the_same_run_and_nothing_is_left_behind() -> None:
    config = with_(capacity=1, per_day=12, escalate=0.5, physicians=1, mix={Category.NEW_SYMPTOM: 1, "refill": 1})
    before = (Organization.objects.count(), Thread.objects.count(), StaffMember.objects.count())

    first, second = simulate(config).metrics, simulate(config).metrics

    # The same numbers for the same pools and people (only the throwaway rows' ids differ).
    assert same_numbers(first.pools + first.staff + [first.total]) == same_numbers(
        second.pools + second.staff + [second.total]
    )
    assert first.total.threads == 24
    assert (Organization.objects.count(), Thread.objects.count(), StaffMember.objects.count()) == before
    assert OwnershipChange.objects.count() == 0


def test_arrivals_follow_the_seed_and_the_mix() -> None:
    config = with_(per_day=50, mix={Category.REFILL: 1, Category.BILLING: 0})

    found = arrivals(config, patients=[object()])  # type: ignore[list-item]

    assert len(found) == 100
    assert {arrival.category for arrival in found} == {Category.REFILL}
    assert [a.at for a in found] == sorted(a.at for a in found)
    assert [a.at for a in found] == [a.at for a in arrivals(config, patients=[object()])]  # type: ignore[list-item]


def test_keep_commits_the_clinic() -> None:
    result = simulate(with_(keep=True))

    assert Thread.objects.filter(organization=result.metrics.organization).count() == 6


def test_the_command_prints_the_metrics_and_rolls_back() -> None:
    out = StringIO()

    call_command(
        "simulate_messaging",
        "--days=2",
        "--drain-days=2",
        "--per-day=3",
        "--nurses=1",
        "--physicians=0",
        "--front-desk=0",
        "--capacity=1000",
        "--lead-capacity=0",
        "--escalate=0",
        "--urgent=0",
        "--mix=new_symptom=1",
        "--seed=7",
        stdout=out,
    )

    assert out.getvalue().splitlines()[:3] == [
        "threads 6, answered 6, waiting 0",
        "on time 100.0 % of 6 decided",
        "breaches 0, escalations to a lead 0",
    ]
    assert "reached a physician 0.0 %" in out.getvalue()
    assert out.getvalue().endswith("Everything the simulation wrote was rolled back.\n")
    assert Thread.objects.count() == 0


@pytest.mark.parametrize(
    ("argument", "message"),
    [("--mix=gossip=1", "unknown category 'gossip'"), ("--escalate=2", "shares are between 0 and 1")],
)
def test_the_command_refuses_bad_settings(argument: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("simulate_messaging", argument, stdout=StringIO())
