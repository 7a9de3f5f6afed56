"""Import FHIR R4 from a source system: match patients, upsert resources, report per resource.

Transactions: a file is imported whole or not at all, in one transaction. Inside it,
resources are written in batches of BATCH_SIZE, each batch under a savepoint: a
resource that cannot be read, projected or stored becomes an `ImportIssue` and the
rest still import (a batch whose write fails is retried one resource at a time). A
problem with the whole file (not JSON, too deep, not R4, a searchset) or anything
unforeseen rolls the file back and ends the run failed with its reason. A run always
ends; one whose worker died is ended by `import_run_sweep_stale` (its heartbeat stops).
Re-importing an unchanged resource writes nothing (its content hash matches).

Memory: a bundle is read twice, streaming (first to learn every fullUrl and patient,
then to write), NDJSON once; only a batch of resources is held at a time.
"""

from __future__ import annotations

import copy
import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import briefing_inputs
from portal.models import Organization, Patient
from records.fhir.projection import (
    ABOUT_PATIENT_ELEMENT,
    PROJECTORS,
    RAW_ONLY,
    SUBJECT_ELEMENT,
    ProjectionError,
    project,
)
from records.fhir.reading import Entry, FileRefused, Problem, read_path
from records.fhir.resolve_references import References
from records.models import (
    ImportIssue,
    ImportRun,
    RecordAttachment,
    RecordItem,
    SourcePatientLink,
    SourceRecord,
    SourceRecordVersion,
)
from records.services import matching, minor_consent, release
from records.services.bulk import copy_insert

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A batch takes seconds; a run whose worker has not beaten for this long lost its worker.
STALE_AFTER = timedelta(minutes=15)
CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"
PLACES = ("Organization", "Location")


# What staff read about a resource the portal could not handle: what is wrong with it, in plain
# words. The technical detail (exception, PostgreSQL's message) goes to the log with the run id.
UNREADABLE_RESOURCE = (
    "The resource is not shaped as FHIR R4 says (an element holds a list, text or number where "
    "another kind of value belongs), so it could not be read. Ask the source to check it."
)
UNSTORABLE = {
    # SQLSTATE class 22 (data exception): a value the column cannot hold.
    "22": "A value in the resource is too long, too large or not valid for the record (for example a date "
    "out of range or a character that is not allowed), so it was not stored. Ask the source to check it.",
    # Class 23 (integrity constraint violation).
    "23": "The resource contradicts what the record already holds (it clashes with another stored "
    "resource), so it was not stored.",
}
UNSTORABLE_OTHER = (
    "The resource could not be stored because of a problem in the portal, not in the file. "
    "Import the file again later; if it happens again, tell the portal's support (they have the details)."
)


def database_detail(error: BaseException) -> dict[str, str]:
    """What the log keeps of a failed write: the exception type, SQLSTATE, and the column or
    constraint it concerns (never the values)."""
    cause = error.__cause__ or error
    diag = getattr(cause, "diag", None)
    detail = {"error": type(error).__name__, "sqlstate": str(getattr(cause, "sqlstate", "") or "")}
    for name in ("table_name", "column_name", "constraint_name"):
        value = getattr(diag, name, None)
        if value:
            detail[name] = str(value)
    return detail


def unstorable_message(error: BaseException) -> str:
    sqlstate = database_detail(error)["sqlstate"]
    return UNSTORABLE.get(sqlstate[:2], UNSTORABLE_OTHER)


def content_hash(resource: dict[str, Any]) -> str:
    """The same for the same content, whatever the key order or whitespace the source used."""
    return hashlib.sha256(orjson.dumps(resource, option=orjson.OPT_SORT_KEYS)).hexdigest()


class Stored(NamedTuple):
    """What the importer needs to know of a stored resource to tell whether it changed."""

    pk: int
    content_hash: str


@dataclass
class Prepared:
    entry: Entry
    resource_type: str
    source_id: str
    subject_id: str
    digest: str
    projection: Any = None


@dataclass
class Tally:
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    issues: list[ImportIssue] = field(default_factory=list)

    def add(self, resource_type: str, outcome: str, n: int = 1) -> None:
        self.counts[resource_type or "unknown"][outcome] += n

    def snapshot(self) -> tuple[dict[str, Counter[str]], int]:
        return copy.deepcopy(self.counts), len(self.issues)

    def restore(self, snapshot: tuple[dict[str, Counter[str]], int]) -> None:
        counts, issues = snapshot
        self.counts = defaultdict(Counter, counts)
        del self.issues[issues:]

    def problem(self, run: ImportRun, problem: Problem) -> None:
        self.add(problem.resource_type, FAILED)
        self.note(run, problem)

    def note(self, run: ImportRun, problem: Problem) -> None:
        """An issue row for a resource that was still stored (kept differently from how it was sent)."""
        self.issues.append(
            ImportIssue(
                run=run,
                location=problem.location[:255],
                resource_type=problem.resource_type[:64],
                resource_id=problem.source_id[:128],
                message=problem.message[:500],
            )
        )


class Importer:
    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.source = run.source
        self.touched: set[Any] = set()  # the patients whose record this run created or changed
        self.references = References()
        self.tally = Tally()
        # The source's patient id -> the portal patient's id (None: waiting for review).
        self.patients: dict[str, Any] = dict(
            SourcePatientLink.objects.filter(source=self.source).values_list("source_patient_id", "patient_id")
        )
        self.report_links: list[tuple[str, str]] = []  # (report source id, observation source id)
        # Items whose visit or condition had not arrived yet: looked at again at the end of the run.
        self.unresolved: list[RecordItem] = []
        # (type, id) -> where it was first seen: a resource twice in one file is reported, not written twice.
        self.seen: dict[tuple[str, str], str] = {}
        # A Medication's id -> its code, for the requests that refer to it (learned as the file is read).
        self.medication_codes: dict[str, Any] = {}
        # (Organization or Location, id) -> its name, for the visits that name it only by reference.
        self.place_names: dict[tuple[str, str], str] = {}

    def learn(self, resource: dict[str, Any], full_url: str) -> None:
        self.references.learn(resource, full_url)
        kind = resource.get("resourceType")
        if kind == "Medication" and isinstance(resource.get("code"), dict):
            self.medication_codes[str(resource.get("id") or "")] = resource["code"]
        elif kind in PLACES and isinstance(resource.get("name"), str):
            self.place_names[(kind, str(resource.get("id") or ""))] = resource["name"]

    def readable(self, resource: dict[str, Any]) -> dict[str, Any]:
        """The resource as projected: with the code of the Medication a request names, and the
        name of the place a visit names, when the resource gives only their reference."""
        return self.with_place_names(self.with_medication_code(resource))

    def place_name(self, reference: Any, kind: str) -> str:
        """The name of the Organization or Location (`kind`) `reference` points at: from this file,
        else from what the source sent before (Synthea sends its hospitals in a file of their own,
        referred to as urn:uuid:<their id>)."""
        target = self.references.resolve(reference)
        spelled = reference.get("reference") if isinstance(reference, dict) else None
        if target is None and isinstance(spelled, str) and spelled.startswith("urn:uuid:"):
            target = (kind, spelled.removeprefix("urn:uuid:"))
        if target is None or target[0] not in PLACES:
            return ""
        if target not in self.place_names:
            raw = (
                SourceRecord.objects.filter(source=self.source, resource_type=target[0], resource_id=target[1])
                .values_list("raw", flat=True)
                .first()
            )
            name = raw.get("name") if isinstance(raw, dict) else None
            self.place_names[target] = name if isinstance(name, str) else ""
        return self.place_names[target]

    def with_place_names(self, resource: dict[str, Any]) -> dict[str, Any]:
        if resource.get("resourceType") != "Encounter":
            return resource
        provider = resource.get("serviceProvider")
        if isinstance(provider, dict) and not provider.get("display"):
            name = self.place_name(provider, "Organization")
            if name:
                resource = {**resource, "serviceProvider": {**provider, "display": name}}
        places = resource.get("location")
        if isinstance(places, list):
            named = []
            for place in places:
                where = place.get("location") if isinstance(place, dict) else None
                if isinstance(where, dict) and not where.get("display"):
                    name = self.place_name(where, "Location")
                    if name:
                        place = {**place, "location": {**where, "display": name}}
                named.append(place)
            resource = {**resource, "location": named}
        return resource

    def with_medication_code(self, resource: dict[str, Any]) -> dict[str, Any]:
        """A request naming its medicine by reference (US Core's "referenced" form), as read with
        the Medication's code, from this file or an earlier one of the source: so the same medicine
        is one line however each source sent it. The stored resource stays as sent."""
        if resource.get("resourceType") not in ("MedicationRequest", "MedicationStatement") or resource.get(
            "medicationCodeableConcept"
        ):
            return resource
        target = self.references.resolve(resource.get("medicationReference"))
        if target is None or target[0] != "Medication":
            return resource
        code = self.medication_codes.get(target[1])
        if code is None:
            raw = (
                SourceRecord.objects.filter(source=self.source, resource_type="Medication", resource_id=target[1])
                .values_list("raw", flat=True)
                .first()
            )
            code = raw.get("code") if isinstance(raw, dict) else None
        return {**resource, "medicationCodeableConcept": code} if isinstance(code, dict) else resource

    def resolve_id(self, reference: Any) -> str | None:
        target = self.references.resolve(reference)
        return target[1] if target is not None else minor_consent.plain_resolver(reference)

    def classify(self, items: list[RecordItem]) -> None:
        """Each item's category of sensitive care, and the mark of a 12-17-year-old's (before saving)."""
        self.unresolved += minor_consent.classify(items, resolve=self.resolve_id)
        minor_consent.mark(items)

    # -- reading and checking ------------------------------------------------------
    def prepare(self, entry: Entry) -> Prepared | Problem:
        resource = entry.resource
        resource_type = str(resource.get("resourceType") or "")
        source_id = str(resource.get("id") or "")
        if not resource_type:
            return Problem(entry.location, "The resource has no resourceType.")
        if not source_id or len(source_id) > 128:
            return Problem(entry.location, "The resource has no usable id.", resource_type)
        if len(resource_type) > 64:
            return Problem(entry.location, "The resourceType is not a FHIR resource type.", resource_type[:64])
        first = self.seen.setdefault((resource_type, source_id), entry.location)
        if first != entry.location:
            return Problem(
                entry.location,
                f"The same resource appears twice in this file (first at {first}); only the first was imported.",
                resource_type,
                source_id,
            )
        subject_id = ""
        if resource_type in SUBJECT_ELEMENT:
            target = self.references.resolve(resource.get(SUBJECT_ELEMENT[resource_type]))
            if target is None or target[0] != "Patient":
                return Problem(
                    entry.location, "The resource does not say which patient it is about.", resource_type, source_id
                )
            subject_id = target[1]
        elif resource_type in ABOUT_PATIENT_ELEMENT:
            # Kept raw: attached to its patient when the file says who (the same fullUrl map as
            # for the others); if not, it is still kept, and reported as not shown (not_shown_issues).
            target = self.references.resolve(resource.get(ABOUT_PATIENT_ELEMENT[resource_type]))
            subject_id = target[1] if target is not None and target[0] == "Patient" else ""
        elif resource_type == "Patient":
            subject_id = source_id
        return Prepared(entry, resource_type, source_id, subject_id, content_hash(resource))

    def project(self, prepared: Prepared) -> Problem | None:
        """Read what the record needs from a new or changed resource (unchanged ones are never read)."""
        resource = prepared.entry.resource
        try:
            if prepared.resource_type == "Patient":
                prepared.projection = matching.Demographics.of(resource)
            elif prepared.resource_type not in RAW_ONLY:
                prepared.projection = project(self.readable(resource))
        except ProjectionError as error:
            return Problem(prepared.entry.location, str(error), prepared.resource_type, prepared.source_id)
        except Exception as error:  # noqa: BLE001 - any resource the reader trips on is reported, never fatal
            # Staff read what is wrong with the resource; the exception (which may quote values) stays in the log.
            log.warning(
                "resource unreadable",
                extra={"run_id": self.run.pk, "location": prepared.entry.location, "error": type(error).__name__},
                exc_info=True,
            )
            message = UNREADABLE_RESOURCE
            return Problem(prepared.entry.location, message, prepared.resource_type, prepared.source_id)
        return None

    # -- patients --------------------------------------------------------------------
    def match_patient(self, prepared: Prepared) -> None:
        person: matching.Demographics = prepared.projection
        if person.source_id in self.patients and self.patients[person.source_id] is not None:
            return
        found = matching.match(self.source, person)
        patient = found.patient
        how = found.how
        if patient is None and found.how == "unmatched" and self.run.create_missing_patients:
            patient = Patient.objects.create(
                home_organization=self.source,
                mrn=(person.mrn or person.source_id)[:64],
                given_name=person.given[:100] or "?",
                family_name=person.family[:100] or "?",
                birth_date=person.birth_date,
                gender=person.gender if person.gender in Patient.Gender.values else Patient.Gender.UNKNOWN,
            )
            how = "created"
        if patient is None:
            matching.review_for(self.source, person, self.run.pk)
            self.patients[person.source_id] = None
            return
        if how != "link":
            SourcePatientLink.objects.get_or_create(
                source=self.source,
                source_patient_id=person.source_id,
                defaults={"patient": patient, "matched_by": how},
            )
        self.patients[person.source_id] = patient.pk

    # -- writing ---------------------------------------------------------------------
    def write_safely(self, batch: list[Prepared]) -> None:
        """Write a batch under a savepoint; if it fails, each resource alone, so one bad resource
        becomes its own issue and the others are still written."""
        state = (self.tally.snapshot(), len(self.unresolved), len(self.report_links), dict(self.patients))
        try:
            self.write(batch)  # its own savepoint
        except Exception as error:  # noqa: BLE001 - whatever a resource trips on becomes its issue
            # The savepoint is gone: forget what this batch added, then try its resources one by one.
            tally, unresolved, report_links, patients = state
            self.tally.restore(tally)
            del self.unresolved[unresolved:]
            del self.report_links[report_links:]
            self.patients = patients
            if len(batch) > 1:
                for prepared in batch:
                    self.write_safely([prepared])
                return
            (prepared,) = batch
            log.warning(
                "resource not stored",
                extra={"run_id": self.run.pk, "location": prepared.entry.location, **database_detail(error)},
                exc_info=True,
            )
            message = unstorable_message(error)
            self.tally.problem(
                self.run, Problem(prepared.entry.location, message, prepared.resource_type, prepared.source_id)
            )

    def write(self, batch: list[Prepared]) -> None:
        with transaction.atomic():
            # Only ids and hashes (no model instances): an unchanged resource, the common case on
            # re-import, costs a dictionary lookup. Filtering by type too uses the unique index.
            existing = {
                (kind, resource_id): Stored(pk, digest)
                for pk, kind, resource_id, digest in SourceRecord.objects.filter(
                    source=self.source,
                    resource_type__in={p.resource_type for p in batch},
                    resource_id__in=[p.source_id for p in batch],
                ).values_list("pk", "resource_type", "resource_id", "content_hash")
            }
            fresh: list[tuple[Stored | None, Prepared]] = []
            for prepared in batch:
                row = existing.get((prepared.resource_type, prepared.source_id))
                if row is not None and row.content_hash == prepared.digest:
                    self.tally.add(prepared.resource_type, UNCHANGED)
                    continue
                problem = self.project(prepared)
                if problem is not None:
                    self.tally.problem(self.run, problem)
                    continue
                for note in getattr(prepared.projection, "notes", ()):
                    self.tally.note(
                        self.run, Problem(prepared.entry.location, note, prepared.resource_type, prepared.source_id)
                    )
                fresh.append((row, prepared))
            for _row, prepared in fresh:
                if prepared.resource_type == "Patient":
                    self.match_patient(prepared)
            now = timezone.now()
            new_prepared = [prepared for row, prepared in fresh if row is None]
            new_records = [self._record(prepared, now) for prepared in new_prepared]
            changed = [(row, prepared) for row, prepared in fresh if row is not None]
            copy_insert(SourceRecord, new_records)
            shown = [
                (record, prepared)
                for record, prepared in zip(new_records, new_prepared, strict=True)
                if prepared.projection is not None and prepared.resource_type != "Patient"
            ]
            items = [self._item(record, prepared) for record, prepared in shown]
            self.classify(items)
            copy_insert(RecordItem, items)
            self._attach([(item, prepared) for item, (_record, prepared) in zip(items, shown, strict=True)])
            release.release_apply_rules(items=items)
            for prepared in new_prepared:
                self.tally.add(prepared.resource_type, CREATED)
            self._update(self._with_current_rows(changed), now)

    def _with_current_rows(self, changed: list[tuple[Stored, Prepared]]) -> list[tuple[SourceRecord, Prepared]]:
        """The changed rows in full (old raw JSON for the history, and their record line)."""
        full = SourceRecord.objects.select_related("item").in_bulk([row.pk for row, _prepared in changed])
        return [(full[row.pk], prepared) for row, prepared in changed]

    def _record(self, prepared: Prepared, now: Any) -> SourceRecord:
        self.touched.add(self.patients.get(prepared.subject_id))
        return SourceRecord(
            source=self.source,
            resource_type=prepared.resource_type,
            resource_id=prepared.source_id,
            subject_id=prepared.subject_id,
            patient_id=self.patients.get(prepared.subject_id),
            raw=prepared.entry.resource,
            resolved_references=self.references.resolved_otherwise(prepared.entry.resource),
            content_hash=prepared.digest,
            first_imported_at=now,
            updated_at=now,
            last_run=self.run,
        )

    def _item(self, record: SourceRecord, prepared: Prepared) -> RecordItem:
        projection = prepared.projection
        for observation_ref in projection.result_ids:
            target = self.references.resolve(observation_ref)
            if target is not None:
                self.report_links.append((prepared.source_id, target[1]))
        return RecordItem(
            record=record,
            patient_id=record.patient_id,
            source=self.source,
            kind=projection.kind,
            display=projection.display,
            **projection.fields,
        )

    def _update(self, changed: list[tuple[SourceRecord, Prepared]], now: Any) -> None:
        if not changed:
            return
        SourceRecordVersion.objects.bulk_create(
            SourceRecordVersion(record=row, version=row.version, raw=row.raw, content_hash=row.content_hash)
            for row, _prepared in changed
        )
        items_new, items_changed = [], []
        attached: list[tuple[RecordItem, Prepared]] = []
        for row, prepared in changed:
            self.touched.add(row.patient_id)
            row.raw = prepared.entry.resource
            row.resolved_references = self.references.resolved_otherwise(prepared.entry.resource)
            row.content_hash = prepared.digest
            row.version += 1
            row.updated_at = now
            row.last_run = self.run
            self.tally.add(prepared.resource_type, UPDATED)
            if prepared.projection is None or prepared.resource_type == "Patient":
                continue
            # Read the current line first: building the fresh one re-points row.item at it.
            current = getattr(row, "item", None)  # fetched with the batch (select_related)
            fresh = self._item(row, prepared)
            if current is None:
                items_new.append(fresh)
                attached.append((fresh, prepared))
                continue
            # Keep what staff decided (confidential, release); replace what the source says.
            for name in ["kind", "display", *prepared.projection.fields]:
                setattr(current, name, getattr(fresh, name))
            current.record = row
            items_changed.append(current)
            attached.append((current, prepared))
        SourceRecord.objects.bulk_update(
            [row for row, _ in changed],
            ["raw", "resolved_references", "content_hash", "version", "updated_at", "last_run"],
        )
        # A rule may mark a changed item it now covers; it never unmarks one.
        self.classify(items_new + items_changed)
        RecordItem.objects.bulk_create(items_new)
        release.release_apply_rules(items=items_new)
        if items_changed:
            fields = {"kind", "display", "sensitivity", "confidential", "confidential_by"} | {
                name
                for _row, p in changed
                if p.projection is not None and p.resource_type != "Patient"
                for name in p.projection.fields
            }
            RecordItem.objects.bulk_update(items_changed, sorted(fields))
        # A changed resource's documents are the ones it carries now.
        RecordAttachment.objects.filter(item__in=[item.pk for item in items_changed]).delete()
        self._attach(attached)

    def _attach(self, pairs: list[tuple[RecordItem, Prepared]]) -> None:
        """Store each item's documents as bytes (a report's PDF is a PDF, never text)."""
        RecordAttachment.objects.bulk_create(
            RecordAttachment(
                item=item,
                title=document.title,
                declared_type=document.declared_type,
                content_type=document.content_type,
                data=document.data,
                size=len(document.data),
                sha256=document.sha256,
                url=document.url,
            )
            for item, prepared in pairs
            for document in prepared.projection.attachments
        )

    def link_reports(self) -> list[RecordItem]:
        """Group results under their report, once every resource of the run is written."""
        if not self.report_links:
            return []
        reports = dict(
            RecordItem.objects.filter(
                source=self.source,
                kind=RecordItem.Kind.REPORT,
                record__resource_id__in={report for report, _ in self.report_links},
            ).values_list("record__resource_id", "pk")
        )
        by_observation = {obs: reports[report] for report, obs in self.report_links if report in reports}
        results = list(
            RecordItem.objects.filter(source=self.source, record__resource_id__in=by_observation).select_related(
                "record"
            )
        )
        for result in results:
            result.report_id = by_observation[result.record.resource_id]
        RecordItem.objects.bulk_update(results, ["report"])
        release.release_follow_reports(results=results, run_id=self.run.pk)
        return results

    # -- the whole run -----------------------------------------------------------------
    def run_bundle(self, read: Callable[[], Iterator[Entry | Problem]], beat: Callable[[], None]) -> None:
        """A bundle refers forward and back by fullUrl: a first streaming pass learns every entry
        (and checks the whole file) before a second one writes anything. Patients go first, so
        every other resource finds its patient already matched."""
        patients = []
        for entry in read():
            if isinstance(entry, Entry):
                self.learn(entry.resource, entry.full_url)
                if entry.resource.get("resourceType") == "Patient":
                    patients.append(entry)

        def patients_first() -> Iterator[Entry | Problem]:
            yield from patients
            for entry in read():
                if not (isinstance(entry, Entry) and entry.resource.get("resourceType") == "Patient"):
                    yield entry

        self.run_entries(patients_first(), learn=False, beat=beat)

    def run_entries(self, entries: Iterable[Entry | Problem], *, learn: bool, beat: Callable[[], None]) -> None:
        batch: list[Prepared] = []
        for entry in entries:
            if isinstance(entry, Entry) and learn:
                self.learn(entry.resource, entry.full_url)
            prepared = self.prepare(entry) if isinstance(entry, Entry) else entry
            if isinstance(prepared, Problem):
                self.tally.problem(self.run, prepared)
                continue
            batch.append(prepared)
            if len(batch) >= BATCH_SIZE:
                self.write_safely(batch)
                beat()
                batch = []
        if batch:
            self.write_safely(batch)
        results = self.link_reports()
        if self.unresolved or results:
            minor_consent.follow_up(
                item_ids=[item.pk for item in self.unresolved], results=results, resolve=self.resolve_id
            )


def file_digest(path: Path) -> str:
    """SHA-256 of a file, or of a bulk-export folder's resource files in name order."""
    digest = hashlib.sha256()
    files = sorted(f for f in path.glob("*.ndjson") if f.name[:1].isupper()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.name.encode())
        with file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _unchanged_since_last_time(run: ImportRun) -> bool:
    """Finish `run` at once when this very file was imported cleanly before and no import from
    the source has changed any resource since: every resource in it is then still as stored.

    Later imports that only *created* resources cannot have touched this file's: the earlier
    run, having failed on none, had already stored every one of them.
    """
    done = ImportRun.objects.filter(source=run.source, status=ImportRun.Status.DONE).exclude(pk=run.pk)
    previous = done.filter(file_hash=run.file_hash).order_by("-pk").first()
    if previous is None or previous.total("failed"):
        return False
    if run.create_missing_patients and previous.reviews.exists():
        return False  # this run may add patients the earlier one left for review
    if any(later.total("updated") for later in done.filter(pk__gt=previous.pk).only("counts")):
        return False
    run.counts = {kind: {UNCHANGED: sum(outcomes.values())} for kind, outcomes in previous.counts.items()}
    run.status, run.finished_at = ImportRun.Status.DONE, timezone.now()
    run.save(update_fields=["counts", "status", "finished_at", "file_hash"])
    log.info("import skipped: file unchanged", extra={"run_id": run.pk, "same_as_run": previous.pk})
    return True


class Heartbeat:
    """Tells the stale-run sweep this run's worker is alive. It writes from a database connection
    of its own: the import's transaction commits only at the end, so a beat written inside it
    would never be seen."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportRun._meta.db_table} SET heartbeat_at = %s WHERE id = %s",  # noqa: S608 - our table name
                [timezone.now(), self.run_id],
            )

    def close(self) -> None:
        self.connection.close()


def _import_file(run: ImportRun, location: Path, importer: Importer, beat: Heartbeat) -> None:
    """Every resource of the file and the run's outcome, in one transaction: whole or nothing. A
    worker killed after the commit leaves a finished run, never a "running" one whose data stands.

    A date without a time ("2023-08-03") is that day where the source is: read in the source's
    time zone, it is not shown as the evening before in the clinic's."""
    with transaction.atomic(), timezone.override(run.source.time_zone):
        if run.format == ImportRun.Format.BUNDLE:
            importer.run_bundle(lambda: read_path(location, run.filename), beat)
        else:
            importer.run_entries(read_path(location, "" if location.is_dir() else run.filename), learn=True, beat=beat)
        results = importer.link_reports()
        if importer.unresolved or results:
            minor_consent.follow_up(
                item_ids=[item.pk for item in importer.unresolved], results=results, resolve=importer.resolve_id
            )
        # One change per patient whose record this file touched, however many resources.
        briefing_inputs.changed_many(patient_id for patient_id in importer.touched if patient_id is not None)
        run.status = ImportRun.Status.DONE
        # First: one row per kind, read before the rows of single resources.
        importer.tally.issues[:0] = not_shown_issues(run, importer.tally.counts)
        _finish(run, importer)


# Shown on the patient's pages: as record lines (PROJECTORS), the patient themself, claims on the
# billing pages, and the places and medicines through the visits and medicines that name them.
SHOWN_TYPES = frozenset(PROJECTORS) | {
    "Patient",
    "Claim",
    "ExplanationOfBenefit",
    "Organization",
    "Location",
    "Medication",
}


def not_shown_issues(run: ImportRun, counts: dict[str, Counter[str]]) -> list[ImportIssue]:
    """One issue row per kind of resource the file holds that the portal keeps but shows on no
    page yet (a care team, a coverage, a questionnaire's answers): the run says so, never a silent "Done"."""
    issues = []
    for kind, outcomes in sorted(counts.items()):
        kept = sum(n for outcome, n in outcomes.items() if outcome != FAILED)
        if kind in SHOWN_TYPES or not kept:
            continue
        message = ngettext(
            "%(count)d %(kind)s resource kept, not shown in the portal yet.",
            "%(count)d %(kind)s resources kept, not shown in the portal yet.",
            kept,
        ) % {"count": kept, "kind": kind}
        issues.append(ImportIssue(run=run, location=run.filename[:255], resource_type=kind[:64], message=message[:500]))
    return issues


def _finish(run: ImportRun, importer: Importer) -> None:
    """Store the run's outcome: its issues, what it counted and when it ended."""
    ImportIssue.objects.bulk_create(_storable(importer.tally.issues))
    run.counts = {kind: dict(outcomes) for kind, outcomes in sorted(importer.tally.counts.items())}
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "failure", "counts", "finished_at", "file_hash"])


def import_run_execute(*, run_id: int, path: Path | None = None, trust_file_hash: bool = True) -> ImportRun:
    """Run an import to the end and record its outcome on the run: done (perhaps with issues, one
    per resource not imported) or failed with the reason, nothing from the file stored. Safe to
    run twice. `trust_file_hash=False` reads every resource even of a file imported before (benchmarks)."""
    run = ImportRun.objects.select_related("source").get(pk=run_id)
    if run.status == ImportRun.Status.DONE:
        return run
    run.status, run.started_at, run.heartbeat_at = ImportRun.Status.RUNNING, timezone.now(), timezone.now()
    run.failure = ""
    run.save(update_fields=["status", "started_at", "heartbeat_at", "failure"])
    run.issues.all().delete()  # a run tried again reports afresh
    location = path or Path(run.upload.path)
    importer = Importer(run)
    beat = Heartbeat(run.pk)
    try:
        run.file_hash = file_digest(location)
        if trust_file_hash and _unchanged_since_last_time(run):
            return run
        _import_file(run, location, importer, beat)
    except FileRefused as error:
        _failed(run, importer, error.reason)
    except OSError as error:
        _failed(run, importer, _("The file could not be read: %(error)s") % {"error": error.strerror})
    except Exception:
        log.exception("import failed", extra={"run_id": run.pk})
        _failed(run, importer, _("The import stopped on an unexpected error."))
    finally:
        beat.close()
    if run.status != ImportRun.Status.DONE:  # failed: the file's transaction (and outcome) rolled back
        _finish(run, importer)
    log.info("import finished", extra={"run_id": run.pk, "status": run.status})
    return run


def _storable(issues: list[ImportIssue]) -> list[ImportIssue]:
    """Issue rows quote what the file said (an id, a code), and a file may say a NUL, which
    PostgreSQL refuses in text: shown as the replacement character, so the run still ends."""
    for issue in issues:
        for name in ("location", "resource_type", "resource_id", "message"):
            setattr(issue, name, getattr(issue, name).replace("\x00", "\ufffd"))
    return issues


def _failed(run: ImportRun, importer: Importer, reason: str) -> None:
    """The file was rolled back: what was counted did not happen; the reason is its one issue."""
    run.status = ImportRun.Status.FAILED
    run.failure = _("%(reason)s Nothing from this file was imported.") % {"reason": reason}
    importer.tally = Tally()
    importer.tally.issues.append(ImportIssue(run=run, location=run.filename[:255], message=reason[:500]))


def import_run_sweep_stale(*, now: Any = None) -> int:
    """End every running import whose worker stopped beating (killed, or its machine gone):
    its transaction died with it, so nothing of the file was stored. Returns how many."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = ImportRun.objects.filter(status=ImportRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    ended = stale.update(
        status=ImportRun.Status.FAILED,
        finished_at=now or timezone.now(),
        failure=_(
            "The import stopped: its worker was gone (no sign of life for %(minutes)s minutes). "
            "Nothing from this file was imported; import it again."
        )
        % {"minutes": int(STALE_AFTER.total_seconds() // 60)},
    )
    if ended:
        log.warning("stale imports ended", extra={"count": ended})
    return ended


@transaction.atomic
def import_run_create(
    *, source: Organization, path: Path, started_by: Any = None, create_missing_patients: bool = False
) -> ImportRun:
    kind = ImportRun.Format.NDJSON if path.is_dir() or path.suffix == ".ndjson" else ImportRun.Format.BUNDLE
    return ImportRun.objects.create(
        source=source,
        format=kind,
        filename=path.name,
        started_by=started_by,
        create_missing_patients=create_missing_patients,
    )
