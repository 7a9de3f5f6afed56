"""Staff-side reads of the records app: the care team's queue of tasks over every patient a staff
member may see (the patients shown audited as one list)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from portal import audit
from portal.access import Action, patients_for
from portal.models import AuditEvent, User
from records.models import CareTask

QUEUE_LIMIT = 100


def _open_tasks(actor: User) -> QuerySet[CareTask]:
    return CareTask.objects.filter(status=CareTask.Status.OPEN, patient__in=patients_for(actor, Action.RECORDS))


@dataclass(frozen=True)
class Queue:
    tasks: list[CareTask]
    total: int


def care_task_queue(*, actor: User) -> Queue:
    """Open tasks of the patients this staff member may see, oldest first. Every patient shown is audited."""
    open_tasks = _open_tasks(actor)
    tasks = list(
        open_tasks.select_related("patient", "reading", "item__source", "created_by").order_by("created_at", "pk")[
            :QUEUE_LIMIT
        ]
    )
    total = open_tasks.count()
    patients = dict.fromkeys(task.patient_id for task in tasks)
    audit.record_list(
        (audit.Line(patient_id) for patient_id in patients),
        actor=actor,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.VIEW,
        object_type="records.CareTaskQueue",
        scope=Action.RECORDS,
    )
    return Queue(tasks, total)


def open_care_task_count(actor: User) -> int:
    """How many tasks wait for this staff member's patients (a number only: no patient is named)."""
    return _open_tasks(actor).count()
