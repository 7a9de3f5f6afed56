"""The clinical record imported from source systems.

Three layers:
- `SourceRecord` keeps every FHIR resource exactly as a source sent it (raw JSON and
  a content hash), unique by (source, resource type, source id), with a
  `SourceRecordVersion` row for each earlier version it replaced;
- `RecordItem` is the patient-facing projection of one clinical resource: the few
  fields the pages, filters, charts and release rules need, indexed;
- `ImportRun` / `ImportIssue` report each import per resource, and
  `SourcePatientLink` / `MatchReview` decide whose record a source's patient is.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SourcePatientLink(models.Model):
    """A source system's patient id, linked to one portal patient after matching."""

    source = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    source_patient_id = models.CharField(max_length=128)
    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="source_links")
    matched_by = models.CharField(max_length=16)  # "identifier", "demographics", "created", "review"
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["source", "source_patient_id"], name="source_patient_link_unique"),
        ]

    def __str__(self) -> str:
        return f"Source patient {self.source_patient_id} -> {self.patient_id}"


class ImportRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        BUNDLE = "bundle", _("FHIR Bundle (JSON)")
        NDJSON = "ndjson", _("Bulk NDJSON")

    source = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="import_runs")
    format = models.CharField(max_length=8, choices=Format.choices)
    filename = models.CharField(max_length=255)
    upload = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    # SHA-256 of the file's bytes: the same file imported again with nothing written since
    # is known to be unchanged without reading a resource.
    file_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    create_missing_patients = models.BooleanField(default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"Observation": {"created": 10, "updated": 1, "unchanged": 3, "failed": 0}, ...}
    counts = models.JSONField(default=dict)
    failure = models.TextField(blank=True)
    # Written by the worker after every batch, from a connection outside the import's own
    # transaction: a running import whose beat stopped lost its worker (records.import_sweep).
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        indexes: ClassVar = [models.Index(fields=["status", "heartbeat_at"], name="records_importrun_beat")]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.filename})"

    OUTCOMES: ClassVar[tuple[str, ...]] = ("created", "updated", "unchanged", "failed")

    @property
    def outcome_label(self) -> str:
        """The status as staff read it: a run ends done, done with issues, or failed."""
        if self.status == self.Status.DONE and self.total("failed"):
            return str(_("Done with issues"))
        return str(self.get_status_display())

    def total(self, outcome: str) -> int:
        return sum(by_outcome.get(outcome, 0) for by_outcome in self.counts.values())

    def table(self) -> list[tuple[str, list[int]]]:
        """Each resource type with its count per outcome, in OUTCOMES order (for the report page)."""
        return [(kind, [outcomes.get(o, 0) for o in self.OUTCOMES]) for kind, outcomes in self.counts.items()]


class ImportIssue(models.Model):
    """One resource that could not be imported, and why (the rest of the file still imports)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="issues")
    location = models.CharField(max_length=255)  # "file.json entry 12" or "Observation.000.ndjson line 40"
    resource_type = models.CharField(max_length=64, blank=True)
    resource_id = models.CharField(max_length=128, blank=True)
    message = models.CharField(max_length=500)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class SourceRecord(models.Model):
    """A FHIR resource exactly as a source system sent it."""

    source = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    resource_type = models.CharField(max_length=64)
    # The resource's id at the source (FHIR `id`).
    resource_id = models.CharField(max_length=128)
    # The source's patient id this resource is about ("" for Organization, Practitioner...).
    subject_id = models.CharField(max_length=128, blank=True)
    patient = models.ForeignKey(
        "portal.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="source_records"
    )
    raw = models.JSONField()
    content_hash = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    first_imported_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["source", "resource_type", "resource_id"], name="source_record_unique_per_source"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["patient", "resource_type"]),
            models.Index(fields=["source", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.resource_id} from source {self.source_id}"


class SourceRecordVersion(models.Model):
    """An earlier version of a source record, kept when a changed resource replaced it."""

    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    raw = models.JSONField()
    content_hash = models.CharField(max_length=64)
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["record", "version"], name="source_record_version_unique"),
        ]

    def __str__(self) -> str:
        return f"Version {self.version} of record {self.record_id}"


class RecordItem(models.Model):
    """One line of the patient's record: what the pages list, filter, chart and release."""

    class Kind(models.TextChoices):
        RESULT = "result", _("Test result")
        VITAL = "vital", _("Vital sign")
        OBSERVATION = "observation", _("Other observation")
        REPORT = "report", _("Report")
        PROBLEM = "problem", _("Problem")
        MEDICATION = "medication", _("Medication")
        ALLERGY = "allergy", _("Allergy")
        IMMUNIZATION = "immunization", _("Immunization")
        VISIT = "visit", _("Visit")
        PROCEDURE = "procedure", _("Procedure")
        DOCUMENT = "document", _("Document")
        CARE_PLAN = "care_plan", _("Care plan")

    class Release(models.TextChoices):
        RELEASED = "released", _("Released")
        HELD = "held", _("Held for clinician review")

    class ConfidentialBy(models.TextChoices):
        """Who decided `confidential`: no one yet, a release rule, or the care team (which rules never undo)."""

        NOBODY = "", _("Not decided")
        RULE = "rule", _("A release rule")
        STAFF = "staff", _("The care team")

    record = models.OneToOneField(SourceRecord, on_delete=models.CASCADE, related_name="item")
    patient = models.ForeignKey("portal.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    code_system = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=64, blank=True)
    display = models.CharField(max_length=300)
    category = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    value_number = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    value_text = models.CharField(max_length=500, blank=True)
    unit = models.CharField(max_length=64, blank=True)
    reference_low = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    reference_high = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    reference_text = models.CharField(max_length=200, blank=True)
    interpretation = models.CharField(max_length=8, blank=True)  # N, H, L, HH, LL, A
    body = models.TextField(blank=True)  # decoded text of notes and summaries
    report = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="results")
    encounter = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Items that are the same thing from different sources share a key (the page shows one).
    dedup_key = models.CharField(max_length=300, blank=True)
    confidential = models.BooleanField(default=False)
    confidential_by = models.CharField(max_length=8, choices=ConfidentialBy.choices, blank=True, default="")
    # The category of care a minor may consent to that this item is about (records/minor_consent.py):
    # "" none, NULL not looked at yet (the sweep classifies those).
    sensitivity = models.CharField(max_length=32, null=True, blank=True)
    release = models.CharField(max_length=8, choices=Release.choices, default=Release.RELEASED)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["patient", "kind", "-effective_at"]),
            models.Index(fields=["patient", "code"]),
            models.Index(fields=["patient", "dedup_key"]),
            # The minor-consent sweep: sensitive items not yet confidential, and items not yet classified.
            models.Index(
                fields=["patient"],
                condition=models.Q(confidential=False, sensitivity__gt=""),
                name="record_item_sensitive_open",
            ),
            models.Index(
                fields=["patient"], condition=models.Q(sensitivity__isnull=True), name="record_item_unclassified"
            ),
        ]
        constraints: ClassVar = [
            # A rule only ever marks confidential; unmarking is the care team's decision.
            models.CheckConstraint(
                condition=~models.Q(confidential_by="rule") | models.Q(confidential=True),
                name="record_item_rule_only_marks",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class RecordAttachment(models.Model):
    """A document a source attached to a report or note (a PDF, an image), kept as its bytes."""

    item = models.ForeignKey(RecordItem, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(max_length=300, blank=True)
    declared_type = models.CharField(max_length=100, blank=True)  # what the source said
    content_type = models.CharField(max_length=100)  # what the bytes are (sniffed): served with this type
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar = ["pk"]

    def __str__(self) -> str:
        return f"Attachment {self.pk} of item {self.item_id} ({self.content_type})"

    @property
    def filename(self) -> str:
        extensions = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}
        extension = extensions.get(self.content_type, "txt" if self.content_type.startswith("text/") else "bin")
        return f"document-{self.item_id}-{self.pk}.{extension}"


class ConfidentialityDecision(models.Model):
    """A care team member marked or unmarked one item confidential, and why (kept for good)."""

    item = models.ForeignKey(RecordItem, on_delete=models.CASCADE, related_name="confidentiality_decisions")
    confidential = models.BooleanField()
    reason = models.CharField(_("reason"), max_length=500)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="confidentiality_decision_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Confidentiality decision {self.pk}"


class MatchReview(models.Model):
    """A source's patient the importer could not match with certainty: staff decide."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        LINKED = "linked", _("Linked to a patient")
        CREATED = "created", _("Added as a new patient")
        DISMISSED = "dismissed", _("Not ours")

    source = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    source_patient_id = models.CharField(max_length=128)
    run = models.ForeignKey(ImportRun, null=True, on_delete=models.SET_NULL, related_name="reviews")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    gender = models.CharField(max_length=16)
    candidates = models.ManyToManyField("portal.Patient", blank=True, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["source", "source_patient_id"],
                condition=models.Q(status="pending"),
                name="match_review_one_pending_per_source_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"Match review {self.pk}"


class ReleaseRule(models.Model):
    """Administrators' rule: results matching it wait for clinician review, up to a limit.

    The default (no rule) is immediate release, as the information-blocking rule expects.
    """

    name = models.CharField(_("name"), max_length=200)
    code_system = models.CharField(_("code system"), max_length=200, blank=True)
    code = models.CharField(_("code"), max_length=64, blank=True, help_text=_("Empty matches every code."))
    category = models.CharField(_("category"), max_length=64, blank=True, help_text=_("For example laboratory."))
    hold_hours = models.PositiveIntegerField(
        _("hold for review up to (hours)"), help_text=_("0 releases at once (the rule may still mark confidential).")
    )
    marks_confidential = models.BooleanField(
        _("mark confidential"),
        default=False,
        help_text=_("A teenager's caregivers never see matching items."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=~models.Q(code="", category=""), name="release_rule_matches_something"),
            models.CheckConstraint(
                condition=models.Q(hold_hours__lte=24 * 14), name="release_rule_hold_at_most_14_days"
            ),
            models.CheckConstraint(
                condition=models.Q(hold_hours__gt=0) | models.Q(marks_confidential=True),
                name="release_rule_holds_or_marks",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReleaseHold(models.Model):
    """A promise: this item is released by `release_due_at` at the latest (a beat sweep keeps it)."""

    item = models.OneToOneField(RecordItem, on_delete=models.CASCADE, related_name="hold")
    rule = models.ForeignKey(ReleaseRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Held because the patient asked to see these results only after review (no deadline then).
    by_patient_choice = models.BooleanField(default=False)
    release_due_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("comment for the patient"), blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(
                fields=["release_due_at"], condition=models.Q(released_at__isnull=True), name="release_hold_due_open"
            ),
        ]

    def __str__(self) -> str:
        return f"Hold on item {self.item_id}"


class ReleasePreference(models.Model):
    """A patient's choice to see a sensitive category only after their clinician has reviewed it."""

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="release_preferences")
    category = models.CharField(max_length=64)
    after_review = models.BooleanField(default=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["patient", "category"], name="release_preference_one_per_category"),
        ]

    def __str__(self) -> str:
        return f"Release preference {self.pk}"


class ShareLink(models.Model):
    """An expiring, scoped, revocable read-only view of the record for someone outside the portal."""

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="share_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("who it is for"), max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    kinds = models.JSONField(default=list)  # RecordItem kinds the link shows
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="share_link_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"Share link {self.pk}"


class ReadingThreshold(models.Model):
    """When a home reading needs the care team: per patient, or the clinic default (patient empty)."""

    class Measure(models.TextChoices):
        SYSTOLIC = "systolic", _("Blood pressure, top number")
        DIASTOLIC = "diastolic", _("Blood pressure, bottom number")
        GLUCOSE = "glucose", _("Blood sugar")
        WEIGHT = "weight", _("Weight")

    patient = models.ForeignKey("portal.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(max_length=16, choices=Measure.choices)
    low = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    high = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["patient", "measure"], name="reading_threshold_one_per_measure"),
            models.UniqueConstraint(
                fields=["measure"],
                condition=models.Q(patient__isnull=True),
                name="reading_threshold_one_default_per_measure",
            ),
            models.CheckConstraint(
                condition=models.Q(low__isnull=True) | models.Q(high__isnull=True) | models.Q(low__lt=models.F("high")),
                name="reading_threshold_low_below_high",
            ),
        ]

    def __str__(self) -> str:
        return f"Threshold {self.measure} for {self.patient_id or 'everyone'}"


class HomeReading(models.Model):
    """A reading the patient took at home: blood pressure, blood sugar or weight."""

    class Kind(models.TextChoices):
        BLOOD_PRESSURE = "blood_pressure", _("Blood pressure")
        GLUCOSE = "glucose", _("Blood sugar")
        WEIGHT = "weight", _("Weight")

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="home_readings")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    taken_at = models.DateTimeField()
    systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)  # mg/dL or lb
    note = models.CharField(max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="blood_pressure", systolic__isnull=False, diastolic__isnull=False)
                    | (~models.Q(kind="blood_pressure") & models.Q(value__isnull=False))
                ),
                name="home_reading_has_its_values",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["patient", "kind", "-taken_at"])]

    def __str__(self) -> str:
        return f"Home reading {self.pk}"


class CareTask(models.Model):
    """Something the care team must look at: an out-of-range reading, a correction request.
    A row, so the messaging app can route it to a pool when it exists; until then staff see a queue."""

    class Kind(models.TextChoices):
        READING = "reading", _("Home reading out of range")
        CORRECTION = "correction", _("Correction requested by the patient")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="care_tasks")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    reading = models.ForeignKey(HomeReading, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(RecordItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(blank=True)  # the patient's words for a correction
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["status", "created_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(kind="reading") | models.Q(reading__isnull=False),
                name="care_task_reading_has_reading",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", resolved_at__isnull=True)
                | models.Q(status="done", resolved_at__isnull=False),
                name="care_task_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Care task {self.pk}"
