"""Result release: administrators' hold rules, patients' "after review" choices, the staff review
queue, clinicians' release, and the beat sweep that keeps every hold's promise.

The default is immediate release (the information-blocking rule). A rule only ever delays a
result up to its limit: its hold is a row with `release_due_at`, and `release_sweep` releases
it then if nobody has. A patient's own choice holds a result with no deadline, until a
clinician releases it or the patient changes their mind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal import audit, briefing_inputs
from portal.access import Access, Action, active_grants, patients_for
from portal.models import AuditEvent, Patient, User
from portal.services.errors import ServiceError
from records.models import RecordItem, ReleaseHold, ReleasePreference, ReleaseRule

Kind = RecordItem.Kind
Release = RecordItem.Release

# Only these kinds are ever held; medications, problems, visits and vitals are always released.
HELD_KINDS = frozenset({Kind.RESULT, Kind.REPORT, Kind.OBSERVATION})
LOINC = "http://loinc.org"
# What we tell patients: how soon a clinician usually looks at a result they chose to wait for.
REVIEW_USUALLY_WITHIN_DAYS = 3
SWEEP_CHUNK = 500
QUEUE_LIMIT = 200


# -- sensitive categories a patient may choose to see only after review ------------------------


@dataclass(frozen=True)
class SensitiveCategory:
    """One choice on the patient's preference page, and the record items it covers.

    `categories` are RecordItem.category values (FHIR category codes: HL7 v2-0074 diagnostic
    service sections such as "SP", US Core's LOINC category parts such as "LP7839-6", or
    observation-category codes such as "imaging"); `loinc` are LOINC test codes.
    """

    key: str
    label: Promise
    examples: Promise
    categories: frozenset[str] = frozenset()
    loinc: frozenset[str] = frozenset()

    def covers(self, item: RecordItem) -> bool:
        if item.category and item.category in self.categories:
            return True
        return bool(item.code) and item.code_system == LOINC and item.code in self.loinc


# The one place that says which results each choice covers. The key is what ReleasePreference
# stores; do not rename a key without a data migration.
SENSITIVE_CATEGORIES: tuple[SensitiveCategory, ...] = (
    SensitiveCategory(
        key="pathology",
        label=_("Pathology and cytology reports"),
        examples=_("Biopsy results, tissue and cell samples, Pap tests"),
        # v2-0074: PAT pathology, SP surgical pathology, CP cytopathology; LOINC part LP7839-6 Pathology.
        categories=frozenset({"PAT", "SP", "CP", "LP7839-6"}),
        # Pathology study, pathology synoptic report, pathology report final diagnosis.
        loinc=frozenset({"11526-1", "60568-3", "22637-3"}),
    ),
    SensitiveCategory(
        key="genetic",
        label=_("Genetic tests"),
        examples=_("Tests of your genes or chromosomes, such as inherited cancer risk"),
        # v2-0074: GE genetics, CG cytogenetics.
        categories=frozenset({"GE", "CG"}),
        # Genetic analysis report, genetic analysis master panel, genetic variant assessment.
        loinc=frozenset({"51969-4", "55233-1", "69548-6"}),
    ),
    SensitiveCategory(
        key="hiv_sti",
        label=_("HIV and sexually transmitted infection tests"),
        examples=_("HIV, chlamydia, gonorrhea and syphilis tests"),
        loinc=frozenset(
            {
                # HIV screening (antibody and antigen) and viral load.
                "75622-1",
                "56888-1",
                "7917-8",
                "68961-2",
                "20447-9",
                # Chlamydia and gonorrhea by nucleic acid amplification.
                "21613-5",
                "43304-5",
                "24111-7",
                "43305-2",
                # Syphilis screening (RPR, VDRL).
                "20507-0",
                "5292-8",
            }
        ),
    ),
    SensitiveCategory(
        key="cancer_markers",
        label=_("Cancer marker blood tests"),
        examples=_("PSA, CEA, CA 125, CA 19-9, CA 15-3 and AFP"),
        loinc=frozenset({"2857-1", "10886-0", "2039-6", "10334-1", "24108-3", "6875-9", "1834-1"}),
    ),
    SensitiveCategory(
        key="imaging",
        label=_("Imaging reports"),
        examples=_("X-ray, CT, MRI, ultrasound and nuclear medicine reports"),
        # observation-category "imaging"; v2-0074 RAD, CT, MR/NMR, NMS, RUS, RX, VUS, OUS, CUS;
        # LOINC part LP29684-5 Radiology.
        categories=frozenset(
            {"imaging", "RAD", "CT", "MR", "NMR", "NMS", "RUS", "RX", "VUS", "OUS", "CUS", "LP29684-5"}
        ),
    ),
)
SENSITIVE_KEYS = frozenset(category.key for category in SENSITIVE_CATEGORIES)


def sensitive_keys_of(item: RecordItem) -> set[str]:
    return {category.key for category in SENSITIVE_CATEGORIES if category.covers(item)}


# -- rules, applied by the importer -----------------------------------------------------------------


def _specificity(rule: ReleaseRule) -> int:
    return 2 * bool(rule.code) + bool(rule.code_system) + bool(rule.category)


def _rule_matches(rule: ReleaseRule, item: RecordItem) -> bool:
    if rule.code and rule.code != item.code:
        return False
    if rule.code_system and rule.code_system != item.code_system:
        return False
    return not rule.category or rule.category == item.category


def rule_for(item: RecordItem, rules: Sequence[ReleaseRule]) -> ReleaseRule | None:
    """The rule that holds `item`: the most specific match (a test code beats a category);
    between equally specific ones, the shortest hold, since a rule may only delay so long."""
    matching = [rule for rule in rules if _rule_matches(rule, item)]
    if not matching:
        return None
    return min(matching, key=lambda rule: (-_specificity(rule), rule.hold_hours, rule.pk))


def active_rules() -> list[ReleaseRule]:
    return list(ReleaseRule.objects.filter(is_active=True).order_by("pk"))


def release_apply_rules(*, items: Iterable[RecordItem], rules: Sequence[ReleaseRule] | None = None) -> int:
    """Hold newly created result, report and observation items that a rule or the patient's
    choice says wait for review. Call inside the import's transaction, after the items are
    saved. Four queries per batch at most, however many items; returns how many were held."""
    candidates = [item for item in items if item.kind in HELD_KINDS and item.release == Release.RELEASED]
    if not candidates:
        return 0
    rules = active_rules() if rules is None else rules
    patient_ids = {item.patient_id for item in candidates if item.patient_id is not None}
    wanted: dict[object, set[str]] = {}
    if patient_ids:
        for patient_id, key in ReleasePreference.objects.filter(
            patient_id__in=patient_ids, after_review=True
        ).values_list("patient_id", "category"):
            wanted.setdefault(patient_id, set()).add(key)
    if not rules and not wanted:
        return 0  # (no rule can hold or mark anything)
    now = timezone.now()
    holding = [rule for rule in rules if rule.hold_hours > 0]
    marking = [rule for rule in rules if rule.marks_confidential]
    confidential = [item for item in candidates if any(_rule_matches(rule, item) for rule in marking)]
    if confidential:
        # A rule may also mark what it matches confidential: a teenager's caregivers never see it.
        RecordItem.objects.filter(pk__in=[item.pk for item in confidential]).update(
            confidential=True, confidential_by=RecordItem.ConfidentialBy.RULE
        )
        for item in confidential:
            item.confidential, item.confidential_by = True, RecordItem.ConfidentialBy.RULE
    holds = []
    for item in candidates:
        rule = rule_for(item, holding)
        chosen = bool(wanted.get(item.patient_id, set()) & sensitive_keys_of(item))
        if rule is None and not chosen:
            continue
        item.release = Release.HELD
        holds.append(
            ReleaseHold(
                item=item,
                rule=rule,
                by_patient_choice=chosen,
                # The patient's choice has no deadline; a rule's hold ends by its limit.
                release_due_at=None if chosen or rule is None else now + timedelta(hours=rule.hold_hours),
            )
        )
    if holds:
        RecordItem.objects.filter(pk__in=[hold.item.pk for hold in holds]).update(release=Release.HELD)
        ReleaseHold.objects.bulk_create(holds)
    return len(holds)


@transaction.atomic
def release_follow_reports(*, results: Iterable[RecordItem], run_id: int) -> int:
    """Results that arrived in this import under a held report wait with it: same rule, same
    deadline, same patient choice. Otherwise the findings of a held pathology report would show
    on their own. Call once results are linked to their reports (`results` with their record
    loaded); results that were in the record before this import stay as they are. Three queries."""
    fresh = [
        result
        for result in results
        if result.report_id is not None
        and result.release == Release.RELEASED
        and result.record.last_run_id == run_id
        and result.record.version == 1
    ]
    if not fresh:
        return 0
    report_holds = {
        hold.item_id: hold
        for hold in ReleaseHold.objects.filter(item_id__in={r.report_id for r in fresh}, released_at__isnull=True)
    }
    holds = [
        ReleaseHold(
            item=result,
            rule_id=report_holds[result.report_id].rule_id,
            by_patient_choice=report_holds[result.report_id].by_patient_choice,
            release_due_at=report_holds[result.report_id].release_due_at,
        )
        for result in fresh
        if result.report_id in report_holds
    ]
    if holds:
        RecordItem.objects.filter(pk__in=[hold.item.pk for hold in holds]).update(release=Release.HELD)
        ReleaseHold.objects.bulk_create(holds)
        for hold in holds:
            hold.item.release = Release.HELD
    return len(holds)


# -- releasing -------------------------------------------------------------------------------------------


def _audit_released(holds: Iterable[ReleaseHold], *, actor: User | None, acting_as: str) -> None:
    audit.record_list(
        (
            audit.Line(hold.item.patient_id, object_id=hold.item_id, confidential=hold.item.confidential)
            for hold in holds
        ),
        actor=actor,
        acting_as=acting_as,
        action=AuditEvent.Action.UPDATE,
        object_type="records.RecordItem",
        scope=Action.RECORDS,
    )


def _mark_released(holds: list[ReleaseHold], *, now: datetime, by: User | None = None, comment: str = "") -> None:
    ReleaseHold.objects.filter(pk__in=[hold.pk for hold in holds]).update(
        released_at=now, released_by=by, comment=comment
    )
    RecordItem.objects.filter(pk__in=[hold.item_id for hold in holds]).update(release=Release.RELEASED)
    for hold in holds:
        hold.released_at, hold.released_by, hold.comment = now, by, comment
        hold.item.release = Release.RELEASED
    briefing_inputs.changed_many(hold.item.patient_id for hold in holds if hold.item.patient_id is not None)


@transaction.atomic
def release_item(*, access: Access, actor: User, item_id: int, comment: str = "") -> ReleaseHold:
    """A clinician releases a held result to the patient, with an optional comment the patient
    sees next to it. Only staff whose role may see records (the access policy decides)."""
    access.require(Action.RECORDS, staff_side=True)
    hold = (
        ReleaseHold.objects.select_for_update(of=("self",))
        .select_related("item")
        .filter(item_id=item_id, item__patient=access.patient)
        .first()
    )
    if hold is None:
        raise Http404
    if hold.released_at is not None:
        raise ServiceError(gettext("This result was already released to the patient."))
    now = timezone.now()
    _mark_released([hold], now=now, by=actor, comment=comment.strip())
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=hold.item,
        confidential=hold.item.confidential,
    )
    if hold.item.kind == Kind.REPORT:
        # The report's own results were reviewed with it (they waited with it: release_follow_reports).
        results = list(
            ReleaseHold.objects.select_for_update(of=("self",))
            .select_related("item")
            .filter(item__report=hold.item, item__patient=access.patient, released_at__isnull=True)
        )
        if results:
            _mark_released(results, now=now, by=actor)
            _audit_released(results, actor=actor, acting_as=access.acting_as)
    return hold


def release_sweep() -> int:
    """Release every hold whose deadline has passed. Safe to run twice or concurrently: each
    chunk is locked with SKIP LOCKED and marked released in its own transaction."""
    released = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            holds = list(
                ReleaseHold.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("item")
                # The partial index release_hold_due_open answers this.
                .filter(released_at__isnull=True, release_due_at__lte=now)
                .order_by("release_due_at")[:SWEEP_CHUNK]
            )
            if not holds:
                return released
            _mark_released(holds, now=now)
            _audit_released(holds, actor=None, acting_as=AuditEvent.ActingAs.SYSTEM)
            released += len(holds)


# -- the patient's choices ------------------------------------------------------------------------------


def _only_the_patient(access: Access) -> None:
    # Choosing how one's own results arrive is the patient's alone: a caregiver or staff
    # member gets the same 404 as a stranger.
    if access.acting_as != AuditEvent.ActingAs.SELF:
        raise Http404


@dataclass(frozen=True)
class Preferences:
    chosen: frozenset[str]
    waiting: int  # results held now because of the patient's choices


def release_preferences(*, access: Access, actor: User) -> Preferences:
    """The patient's choices and how many results wait for review because of them (audited read)."""
    _only_the_patient(access)
    chosen = set(
        ReleasePreference.objects.filter(patient=access.patient, after_review=True).values_list("category", flat=True)
    )
    waiting = ReleaseHold.objects.filter(
        item__patient=access.patient, by_patient_choice=True, released_at__isnull=True
    ).count()
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, object_type="records.ReleasePreference")
    return Preferences(frozenset(chosen & SENSITIVE_KEYS), waiting)


@transaction.atomic
def release_preferences_set(*, access: Access, actor: User, chosen: Iterable[str]) -> int:
    """Save the patient's "see only after review" choices and apply them to results still held.

    A newly chosen category turns a rule's hold on a matching result into a wait for the
    clinician (no deadline). Results held only because of a choice the patient has dropped are
    released at once, unless a rule also holds them: that hold then runs to the rule's own
    limit, counted from when the result arrived. Returns how many results were released."""
    _only_the_patient(access)
    patient = access.patient
    keys = set(chosen) & SENSITIVE_KEYS
    ReleasePreference.objects.bulk_create(
        [ReleasePreference(patient=patient, category=key, after_review=key in keys) for key in sorted(SENSITIVE_KEYS)],
        update_conflicts=True,
        unique_fields=["patient", "category"],
        update_fields=["after_review"],
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, object_type="records.ReleasePreference")
    open_holds = list(
        ReleaseHold.objects.select_for_update(of=("self",))
        .select_related("item__record", "item__report", "rule")
        .filter(item__patient=patient, released_at__isnull=True)
    )
    now = timezone.now()
    changed, to_release = [], []
    for hold in open_holds:
        # A result waiting with its report (a pathology panel) follows the report's category.
        covered = sensitive_keys_of(hold.item) | (sensitive_keys_of(hold.item.report) if hold.item.report else set())
        wanted = bool(covered & keys)
        if wanted == hold.by_patient_choice:
            continue
        if wanted:
            hold.by_patient_choice, hold.release_due_at = True, None
            changed.append(hold)
            continue
        rule = hold.rule
        due = hold.item.record.first_imported_at + timedelta(hours=rule.hold_hours) if rule and rule.is_active else None
        if due is not None and due > now:
            hold.by_patient_choice, hold.release_due_at = False, due
            changed.append(hold)
        else:
            to_release.append(hold)
    if changed:
        ReleaseHold.objects.bulk_update(changed, ["by_patient_choice", "release_due_at"])
    if to_release:
        _mark_released(to_release, now=now)
        _audit_released(to_release, actor=actor, acting_as=AuditEvent.ActingAs.SELF)
    return len(to_release)


# -- the staff review queue (a read: scoped by the access policy, audited) --------------------------


def _reviewable_patients(actor: User) -> QuerySet[Patient]:
    """Patients whose held results `actor` may review as staff. `patients_for` also reaches the
    actor's own record and those they help as a caregiver; the policy treats those as self or
    proxy access (release_item refuses them), so they never appear in a review queue."""
    helped = active_grants().filter(patient=OuterRef("pk"), grantee=actor, scopes__contains=[Action.RECORDS])
    return patients_for(actor, Action.RECORDS).exclude(user=actor).exclude(Exists(helped))


def _open_holds(actor: User) -> QuerySet[ReleaseHold]:
    return ReleaseHold.objects.filter(released_at__isnull=True, item__patient__in=_reviewable_patients(actor))


def review_count(*, actor: User) -> int:
    """How many held results `actor` may review: a number only, for the staff home page."""
    return _open_holds(actor).count()


def review_queue(*, actor: User, limit: int = QUEUE_LIMIT) -> tuple[list[ReleaseHold], int]:
    """Held results the staff member may review, soonest deadline first (the patient's own
    choices, with no deadline, last); and how many there are in all. One audit event per patient shown."""
    holds = list(
        _open_holds(actor)
        .select_related("item__patient", "item__source", "rule")
        .order_by(F("release_due_at").asc(nulls_last=True), "item__effective_at", "pk")[:limit]
    )
    total = len(holds) if len(holds) < limit else review_count(actor=actor)
    by_patient: dict[UUID | None, list[ReleaseHold]] = {}
    for hold in holds:
        by_patient.setdefault(hold.item.patient_id, []).append(hold)
    audit.record_list(
        (
            audit.Line(patient_id, confidential=any(hold.item.confidential for hold in shown))
            for patient_id, shown in by_patient.items()
        ),
        actor=actor,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.VIEW,
        object_type="records.ReviewQueue",
        scope=Action.RECORDS,
    )
    return holds, total
