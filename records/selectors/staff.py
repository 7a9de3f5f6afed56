"""Staff-side reads of the records app: the care team's queue of tasks over every patient a staff
member may see (the patients shown audited as one list), and the registration desk's imports and
uncertain matches."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from portal import audit
from portal.access import Action, patients_for
from portal.models import AuditEvent, User
from records.models import CareTask, ImportIssue, ImportRun, MatchReview

QUEUE_LIMIT = 100
RECENT_RUNS = 50
RUN_ISSUES_SHOWN = 500
PENDING_MATCHES = 100


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


def recent_import_runs() -> list[ImportRun]:
    """The latest import runs, newest first, with their source and who started them."""
    issues = ImportIssue.objects.filter(run=OuterRef("pk"))
    runs = ImportRun.objects.select_related("source", "started_by").annotate(has_issues=Exists(issues))
    return list(runs[:RECENT_RUNS])


def import_run_detail(run_id: int) -> tuple[ImportRun, QuerySet[ImportIssue]] | None:
    """One import run and the first of its issues; None if there is no such run."""
    issues = ImportIssue.objects.filter(run=OuterRef("pk"))
    run = ImportRun.objects.select_related("source").annotate(has_issues=Exists(issues)).filter(pk=run_id).first()
    if run is None:
        return None
    return run, run.issues.all()[:RUN_ISSUES_SHOWN]


def pending_match_reviews() -> list[MatchReview]:
    """Source patients waiting for a staff decision, oldest first, with their candidates."""
    return list(
        MatchReview.objects.filter(status=MatchReview.Status.PENDING)
        .select_related("source")
        .prefetch_related("candidates__home_organization")
        .order_by("created_at")[:PENDING_MATCHES]
    )
