"""The slot-search benchmark runs, reports a constant query count, and leaves nothing behind."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from scheduling.models import Appointment, VisitType


@pytest.mark.django_db
def test_bench_slot_search_reports_four_queries_and_rolls_back() -> None:
    out = StringIO()

    call_command("bench_slot_search", providers=3, booked=2, runs=1, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "Loaded 3 providers, 6 booked visits."
    assert lines[1].endswith("from 3 providers; 4 queries per search.")
    assert lines[-1] == "Rolled back."
    assert (VisitType.objects.count(), Appointment.objects.count()) == (0, 0)
