"""The care team works its tasks (out-of-range home readings, reported mistakes): open -> done.
Other apps open one through `care_task_open` (scheduling's check-in today); they never write the
table themselves."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.access import Access, Action, resolve
from portal.models import AuditEvent, User
from portal.services.errors import InvalidTransition, ServiceError
from records.models import CareTask, RecordItem

Status = CareTask.Status
# The only move a task makes; anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {Status.OPEN: frozenset({Status.DONE}), Status.DONE: frozenset()}


@transaction.atomic
def care_task_open(
    *,
    access: Access,
    actor: User,
    kind: str,
    text: str,
    item: RecordItem | None = None,
    now: datetime | None = None,
) -> CareTask:
    """Put the patient's words (`text`, about `item` if any) in the care team's queue, audited.
    The caller has checked who may send them and that `item` is one `access` may see."""
    task = CareTask.objects.create(
        patient=access.patient, kind=kind, item=item, text=text, created_by=actor, created_at=now or timezone.now()
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=task)
    return task


@transaction.atomic
def care_task_resolve(*, actor: User, task_id: int, resolution: str) -> CareTask:
    """Mark a task done with what was done about it. Staff who may see the patient's record only;
    anyone else is told the task does not exist."""
    task = CareTask.objects.select_for_update().select_related("patient").filter(pk=task_id).first()
    access = resolve(actor, task.patient, Action.RECORDS) if task is not None else None
    if task is None or access is None or not access.is_staff_side:
        raise Http404
    if Status.DONE not in TRANSITIONS[task.status]:
        raise InvalidTransition(_("Someone has already marked this task done."))
    resolution = resolution.strip()
    if not resolution:
        raise ServiceError(_("Say what was done."), field="resolution")
    task.status = Status.DONE
    task.resolution = resolution
    task.resolved_by = actor
    task.resolved_at = timezone.now()
    task.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=task)
    return task
