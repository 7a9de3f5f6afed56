"""The SLA sweep benchmark command runs (small), shows index-scan plans and a timing, and leaves nothing behind."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from messaging.models import Thread
from portal.models import Organization

pytestmark = pytest.mark.django_db


def test_bench_sla_sweep_explains_index_scans_times_the_sweep_and_rolls_back() -> None:
    out = StringIO()

    call_command("bench_sla_sweep", threads=2000, stdout=out, stderr=StringIO())

    output = out.getvalue()
    assert "loaded 2,000 open threads" in output
    assert "Index Scan using thread_sla_breach_due on messaging_thread" in output
    assert "Index Scan using thread_sla_at_risk_due on messaging_thread" in output
    assert "breach query: index scan on thread_sla_breach_due: yes" in output
    assert "at risk query: index scan on thread_sla_at_risk_due: yes" in output
    assert "sla_sweep() run 1:" in output
    assert "breached 4, escalated 4, at risk 4" in output  # 2 of each per thousand
    assert "sla_sweep() run 2:" in output
    assert "breached 0, escalated 0, at risk 0" in output
    assert (Thread.objects.count(), Organization.objects.filter(slug="bench-sla-sweep").exists()) == (0, False)
