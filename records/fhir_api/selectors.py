"""Every read of the FHIR API: through the access policy, filtered to what the caller may see,
and audited once per request (object type `fhir.<Type>`; a searchset notes how many it held).

Each search page costs the same few queries however many resources it holds: a count,
the page (records with their line and source), one query resolving every reference on
the page, and the audit row.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Case, F, Q, QuerySet, Value, When
from django.http import Http404

from portal import audit
from portal.access import Access, Action, active_grants, patients_for
from portal.lookups import NOTHING, as_id, fits
from portal.models import AuditEvent, Organization, Patient, User
from records.fhir_api import bundles, resources, summary
from records.fhir_api.auth import Caller
from records.fhir_api.bundles import Location
from records.fhir_api.merged import MergedCopies, tag_copies
from records.fhir_api.resource_types import CLINICAL_TYPES, PATIENT
from records.fhir_api.rewrite_references import ReferenceMap
from records.fhir_api.search import Page, PatientQuery, SearchError, SearchQuery
from records.fhir_api.visibility import Visibility
from records.models import RecordItem, SourceRecord

VIEW = AuditEvent.Action.VIEW


def people_to_share(user: User) -> QuerySet[Patient]:
    """Whose health record a person may share with an app: their own, and that of anyone who gave
    them caregiver access to it. (Staff reach patients through the portal, not through apps.)"""
    helped = active_grants().filter(grantee=user, scopes__contains=[Action.RECORDS]).values("patient")
    themself_first = Case(When(user=user, then=Value(0)), default=Value(1))
    return (
        patients_for(user, Action.RECORDS)
        .filter(Q(user=user) | Q(pk__in=helped))
        .order_by(themself_first, "family_name", "given_name")
    )


def _visible(access: Access, types: Iterable[str]) -> QuerySet[SourceRecord]:
    return (
        SourceRecord.objects.filter(patient=access.patient, resource_type__in=list(types), item__isnull=False)
        .filter(Visibility.of(access).q())
        .select_related("item", "source")
        .order_by(F("item__effective_at").desc(nulls_last=True), "pk")
    )


def _build(access: Access, records: list[SourceRecord]) -> list[dict[str, Any]]:
    references = ReferenceMap(access.patient.pk, Visibility.of(access)).load(records)
    return [resources.clinical(record, references) for record in records]


def _audit(access: Access, actor: User, object_type: str, object_id: object, records: list[SourceRecord]) -> None:
    audit.record_access(
        access,
        actor=actor,
        action=VIEW,
        object_type=object_type,
        object_id=object_id,
        confidential=any(record.item.confidential for record in records),
    )


def source_patients(people: Iterable[Patient]) -> dict[Any, list[SourceRecord]]:
    """Each person's Patient resources as their sources sent them, newest first (one query)."""
    found: dict[Any, list[SourceRecord]] = defaultdict(list)
    records = (
        SourceRecord.objects.filter(patient__in=[person.pk for person in people], resource_type=PATIENT)
        .select_related("source")
        .order_by("-updated_at", "-pk")
    )
    for record in records:
        found[record.patient_id].append(record)
    return found


def patient_resource(person: Patient) -> dict[str, Any]:
    return resources.patient(person, source_patients([person])[person.pk])


def patient_read(*, caller: Caller, patient_id: str) -> dict[str, Any]:
    caller.require(PATIENT)
    access = caller.access(patient_id)
    audit.record_access(access, actor=caller.user, action=VIEW, object_type="fhir.Patient", object_id=patient_id)
    return patient_resource(access.patient)


def clinical_read(*, caller: Caller, resource_type: str, resource_id: str) -> dict[str, Any]:
    caller.require(resource_type)
    record = (
        SourceRecord.objects.filter(pk=record_id, resource_type=resource_type, item__isnull=False)
        .exclude(patient=None)
        .select_related("item", "source")
        .first()
        if (record_id := as_id(resource_id)) is not None
        else None
    )
    if record is None:
        raise Http404
    access = caller.access(record.patient_id)
    if not Visibility.of(access).allows(record.item.release, record.item.confidential):
        raise Http404
    _audit(access, caller.user, f"fhir.{resource_type}", record.pk, [record])
    return _build(access, [record])[0]


def clinical_search(*, caller: Caller, resource_type: str, query: SearchQuery, location: Location) -> dict[str, Any]:
    caller.require(resource_type)
    patient_id = query.patient_id or caller.default_patient_id
    if patient_id is None:
        raise SearchError("patient", "is required: search one patient's record at a time.")
    access = caller.access(patient_id)
    records = _visible(access, [resource_type]).filter(query.filters)
    if query.ids:
        records = records.filter(pk__in=[pk for i in query.ids if (pk := as_id(i)) is not None])
    if query.include_patient:
        caller.require(PATIENT)
    page = query.page
    total = records.count()
    found = list(records[page.offset : page.offset + page.count]) if page.count else []
    _audit(access, caller.user, f"fhir.{resource_type}", f"searchset:{len(found)}", found)
    included = []
    if query.include_patient and found:
        audit.record_access(
            access, actor=caller.user, action=VIEW, object_type="fhir.Patient", object_id=access.patient.pk
        )
        included.append(patient_resource(access.patient))
    return bundles.searchset(
        location=location, page=page, total=total, resources=_build(access, found), included=included
    )


def everything(
    *, caller: Caller, patient_id: str, types: set[str] | None, page: Page, location: Location
) -> dict[str, Any]:
    """The patient and every released, visible resource of theirs the caller may read, paged.
    The Patient comes first (position 0), then the records, newest first."""
    access = caller.access(patient_id)
    wanted = caller.types & (types if types is not None else caller.types)
    with_patient = PATIENT in wanted
    names = [name for name in CLINICAL_TYPES if name in wanted]
    # The same item from several sources is served once (merged.py).
    merged = MergedCopies(
        RecordItem.objects.filter(patient=access.patient, record__resource_type__in=names).filter(
            Visibility.of(access).q(prefix="")
        )
    )
    records = _visible(access, names).filter(item__id__in=merged.served())
    total = records.count() + int(with_patient)
    first = max(page.offset - int(with_patient), 0)
    last = page.offset + page.count - int(with_patient)
    found = list(records[first:last]) if last > first else []
    built = _build(access, found)
    copies = merged.copies_of([record.item.pk for record in found])
    for record, resource in zip(found, built, strict=True):
        if record.item.pk in copies:
            tag_copies(resource, copies[record.item.pk])
    if with_patient and page.offset == 0 and page.count:
        built.insert(0, patient_resource(access.patient))
    _audit(access, caller.user, "fhir.Patient/$everything", f"searchset:{len(built)}", found)
    return bundles.searchset(location=location, page=page, total=total, resources=built)


def patient_summary(*, caller: Caller, patient_id: str, base: str) -> dict[str, Any]:
    """The patient's International Patient Summary, of what the caller may see: a token must
    be allowed to read every type it is made of. The same few queries however long the record:
    the sections' records, the latest result of each test, their references, the audit row."""
    for resource_type in summary.TYPES:
        caller.require(resource_type)
    access = caller.access(patient_id)
    listed = list(_visible(access, summary.CLINICAL))
    # DISTINCT ON keeps the first row of each test: the newest (the order _visible gives).
    latest = _visible(access, [summary.OBSERVATION]).filter(item__kind__in=summary.LATEST_KINDS)
    key = ("item__kind", "item__code_system", "item__code", "item__display")
    listed += latest.order_by(*key, F("item__effective_at").desc(nulls_last=True), "-pk").distinct(*key)
    sections = summary.sorted_into_sections(listed)
    records = [entry.record for _section, entries in sections for entry in entries]
    _audit(access, caller.user, "fhir.Patient/$summary", f"document:{len(records)}", records)
    return summary.document(
        patient=access.patient,
        patient_resource=patient_resource(access.patient),
        sections=sections,
        resources_listed=_build(access, records),
        base=base,
    )


def patient_search(*, caller: Caller, query: PatientQuery, location: Location) -> dict[str, Any]:
    """Patients by `_id` or `identifier` (`system|value` of the home clinic's MRN) among those the
    caller may read; with neither, the caller's own people (or the token's one patient).
    Each patient returned is audited."""
    caller.require(PATIENT)
    people = patients_for(caller.user, Action.RECORDS)
    if caller.by_token:
        people = people.filter(pk__in=[caller.token_patient_id] if caller.token_patient_id else [])
    elif not query.ids and query.identifier is None:
        people = people_to_share(caller.user)
    if query.ids:
        people = people.filter(pk__in=[i for i in query.ids if _is_uuid(i)])
    if query.identifier is not None:
        system, value = query.identifier
        people = people.filter(Q(mrn=value) if fits(Patient, "mrn", value) else NOTHING)
        if system is not None:
            # The system the Patient resource names: the clinic's own, or the portal's stand-in for it.
            slug = system.removeprefix("urn:portal:mrn:")
            people = people.filter(
                (Q(home_organization__mrn_system=system) if fits(Organization, "mrn_system", system) else NOTHING)
                | (
                    Q(home_organization__mrn_system="", home_organization__slug=slug)
                    if fits(Organization, "slug", slug)
                    else NOTHING
                )
            )
    page = query.page
    people = people.select_related("home_organization").order_by("family_name", "given_name", "pk")
    total = people.count()
    found = list(people[page.offset : page.offset + page.count]) if page.count else []
    _audit_each(caller.user, found)
    said = source_patients(found)
    return bundles.searchset(
        location=location,
        page=page,
        total=total,
        resources=[resources.patient(person, said[person.pk]) for person in found],
    )


def _audit_each(actor: User, people: list[Patient]) -> None:
    helped = set(active_grants().filter(grantee=actor, patient__in=people).values_list("patient_id", flat=True))

    def acting_as(person: Patient) -> str:
        if person.user_id == actor.pk:
            return AuditEvent.ActingAs.SELF
        return AuditEvent.ActingAs.PROXY if person.pk in helped else AuditEvent.ActingAs.STAFF

    audit.record_list(
        (audit.Line(person.pk, object_id=person.pk, acting_as=acting_as(person)) for person in people),
        actor=actor,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=VIEW,
        object_type="fhir.Patient",
        scope=Action.RECORDS,
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
