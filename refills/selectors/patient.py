"""The patient side's reads: the medicine list with one action each, the requests and their
timelines, pharmacies. Scoped by the access policy (a teenager's confidential medicines stay
hidden from her caregivers here too) and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User
from records.models import RecordItem
from records.selectors.patient import Filters, deduplicated, visible_items
from refills import alignment
from refills.actions import MedicineAction, decide
from refills.models import Pharmacy, PreferredPharmacy, RefillEvent, RefillProtocol, RefillRequest


def visible_requests(access: Access) -> QuerySet[RefillRequest]:
    requests = RefillRequest.objects.filter(patient=access.patient)
    if access.hides_confidential:
        requests = requests.filter(confidential=False)
    return requests


def made_by_form(access: Access, idempotency_key: str) -> RefillRequest | None:
    """The first request a request form (its key) already made, if any."""
    if not idempotency_key:
        return None
    return visible_requests(access).filter(idempotency_key=idempotency_key[:64]).order_by("pk").first()


def group_key(item: RecordItem) -> str:
    """The medicine a prescription is of, as the record pages group them."""
    return item.dedup_key or f"item:{item.pk}"


def medicine_actions(*, access: Access, actor: User, today: date) -> list[MedicineAction]:
    """Every medicine of the record (de-duplicated across sources as the record page lists them,
    newest first) with the one action the patient side may take. Constant in queries; the
    record's read is audited by records' own selector."""
    shown = deduplicated(access=access, actor=actor, kind=RecordItem.Kind.MEDICATION, filters=Filters())
    keys = [group_key(row.item) for row in shown]
    found = actions_by_key(access, today=today, keys=keys)
    return [found[key] for key in keys if key in found]


def actions_by_key(access: Access, *, today: date, keys: list[str] | None = None) -> dict[str, MedicineAction]:
    """The action per medicine (for the services: the read the page audited is the same)."""
    history: dict[str, list[RecordItem]] = {}
    items = (
        visible_items(access)
        .filter(kind=RecordItem.Kind.MEDICATION)
        .exclude(status="entered-in-error")
        .select_related("source", "record")
    )
    for item in items:
        history.setdefault(group_key(item), []).append(item)
    requests: dict[str, list[RefillRequest]] = {}
    for request in visible_requests(access).filter(medication_key__in=list(history)):
        requests.setdefault(request.medication_key, []).append(request)
    protocols = list(RefillProtocol.objects.all())
    home = access.patient.home_organization
    wanted = keys if keys is not None else list(history)
    return {
        key: decide(
            key=key, items=history[key], home=home, protocols=protocols, requests=requests.get(key, []), today=today
        )
        for key in wanted
        if key in history
    }


def alignment_plan(
    access: Access, *, today: date, actions: dict[str, MedicineAction] | None = None
) -> alignment.AlignmentPlan:
    """The plan to renew the long-term medicines to the annual visit (reads what the medicine
    list reads, and the last visit at the clinic; the caller's page audits the record's read)."""
    if actions is None:
        actions = actions_by_key(access, today=today)
    zone = ZoneInfo(access.patient.home_organization.time_zone)
    started: dict[str, date | None] = {}
    medicines = visible_items(access).filter(kind=RecordItem.Kind.MEDICATION).exclude(status="entered-in-error")
    for dedup_key, pk, effective_at in medicines.values_list("dedup_key", "pk", "effective_at"):
        key = dedup_key or f"item:{pk}"
        day = timezone.localdate(effective_at, zone) if effective_at else None
        if day is not None and (started.get(key) is None or day < started[key]):  # type: ignore[operator]
            started[key] = day
    last = (
        visible_items(access)
        .filter(kind=RecordItem.Kind.VISIT, source=access.patient.home_organization_id, effective_at__isnull=False)
        .aggregate(last=Max("effective_at"))["last"]
    )
    return alignment.plan(
        medicines=list(actions.values()),
        started=started,
        last_visit=timezone.localdate(last, zone) if last else None,
        today=today,
    )


def requests_list(*, access: Access, actor: User, limit: int = 100) -> list[RefillRequest]:
    rows = list(visible_requests(access).select_related("pharmacy").order_by("-created_at", "-pk")[:limit])
    audit.record_list(
        (audit.Line(access.patient.pk, obj=row, confidential=row.confidential) for row in rows),
        actor=actor,
        acting_as=access.acting_as,
        action=AuditEvent.Action.VIEW,
        scope=access.action,
    )
    return rows


@dataclass(frozen=True)
class RequestPage:
    request: RefillRequest
    siblings: list[RefillRequest]
    events: list[RefillEvent]


def request_detail(*, access: Access, actor: User, request_id: int) -> RequestPage | None:
    request = (
        visible_requests(access)
        .select_related("pharmacy", "thread", "thread__owner__user", "thread__pool", "decided_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        return None
    siblings = list(
        visible_requests(access).filter(submission=request.submission).exclude(pk=request.pk).order_by("pk")
    )
    events = list(RefillEvent.objects.filter(request=request).select_related("by"))
    audit.record_access(
        access, actor=actor, action=AuditEvent.Action.VIEW, obj=request, confidential=request.confidential
    )
    return RequestPage(request, siblings, events)


def preferred_pharmacy(access: Access, *, actor: User) -> Pharmacy | None:
    """The patient's chosen pharmacy (audited: which pharmacy a patient uses is theirs)."""
    found = PreferredPharmacy.objects.select_related("pharmacy").filter(patient=access.patient).first()
    if found is not None and access.hides_confidential and (found.confidential or not shown(access, found.pharmacy)):
        found = None
    audit.record_access(
        access, actor=actor, action=AuditEvent.Action.VIEW, obj=found, object_type="refills.PreferredPharmacy"
    )
    return found.pharmacy if found else None


def shown(access: Access, pharmacy: Pharmacy) -> bool:
    """Whether this access may see a pharmacy of this patient's (as `usable_pharmacies` decides)."""
    if pharmacy.added_for_id is None:
        return True
    if pharmacy.added_for_id != access.patient.pk:
        return False
    return pharmacy.added_by_caregiver or not access.hides_confidential


def pharmacies(access: Access, query: str = "", limit: int = 50) -> QuerySet[Pharmacy]:
    """The clinic's pharmacies, and those this patient added (another patient's never show)."""
    found = usable_pharmacies(access)
    if query:
        found = found.filter(name__icontains=query) | found.filter(address__icontains=query)
    return found.order_by("name", "pk")[:limit]


def usable_pharmacies(access: Access) -> QuerySet[Pharmacy]:
    """The pharmacies this patient may choose: the clinic's, and the ones they added themself. A
    caregiver who may not see a teenager's confidential items sees only the ones a caregiver added
    among hers (one she added may be where her confidential medicines are filled)."""
    own = Q(added_for=access.patient)
    if access.hides_confidential:
        own &= Q(added_by_caregiver=True)
    return Pharmacy.objects.filter(Q(added_for__isnull=True) | own, is_active=True)
