"""The audit log is written one way: through portal.audit. A static check over the apps' code, and
the list-read function every app uses."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import audit
from portal.factories import PatientFactory
from portal.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
THE_WAY = ROOT / "portal" / "audit.py"
WRITES = frozenset({"create", "bulk_create", "get_or_create", "update_or_create"})


def _app_modules() -> list[Path]:
    """Every module of every top-level package (the apps), without their migrations."""
    packages = [path.parent for path in ROOT.glob("*/__init__.py") if path.parent.name != "tests"]
    return sorted(
        module for package in packages for module in package.rglob("*.py") if "migrations" not in module.parts
    )


def _audit_writes(path: Path) -> list[int]:
    """Lines of `AuditEvent.objects.<create...>(...)` in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in WRITES
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "objects"
        and isinstance(node.func.value.value, ast.Name)
        and node.func.value.value.id == "AuditEvent"
    ]


def test_the_check_sees_the_one_way_in() -> None:
    # Without this, a check that found nothing anywhere would pass as well.
    assert _audit_writes(THE_WAY)
    assert THE_WAY in _app_modules()


def test_no_app_writes_the_audit_log_but_through_portal_audit() -> None:
    found = {
        str(path.relative_to(ROOT)): lines
        for path in _app_modules()
        if path != THE_WAY and (lines := _audit_writes(path))
    }
    assert found == {}, "write audit events with portal.audit (record, record_access, record_list)"


@pytest.mark.django_db
def test_a_list_read_is_one_event_per_line_in_one_statement(patient) -> None:
    other_patient = PatientFactory()
    with CaptureQueriesContext(connection) as queries:
        audit.record_list(
            [audit.Line(patient.pk, obj=patient), audit.Line(other_patient.pk, object_id="7", confidential=True)],
            actor=patient.user,
            acting_as=AuditEvent.ActingAs.STAFF,
            action=AuditEvent.Action.VIEW,
            object_type="tests.List",
            scope="records",
        )
    assert len(queries) == 1
    rows = list(
        AuditEvent.objects.order_by("pk").values_list("patient_id", "object_type", "object_id", "confidential", "scope")
    )
    assert rows == [
        (patient.pk, "tests.List", str(patient.pk), False, "records"),
        (other_patient.pk, "tests.List", "7", True, "records"),
    ]


@pytest.mark.django_db
def test_a_line_may_say_how_its_reader_relates(patient) -> None:
    audit.record_list(
        [audit.Line(patient.pk, acting_as=AuditEvent.ActingAs.SELF)],
        actor=patient.user,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.VIEW,
        object_type="tests.List",
    )
    assert AuditEvent.objects.get().acting_as == AuditEvent.ActingAs.SELF


@pytest.mark.django_db
def test_an_empty_list_writes_nothing() -> None:
    with CaptureQueriesContext(connection) as queries:
        audit.record_list([], actor=None, acting_as=AuditEvent.ActingAs.SYSTEM, action=AuditEvent.Action.VIEW)
    assert len(queries) == 0
