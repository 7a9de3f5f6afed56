"""Imports from source systems: each run and its issues, and whose record a source's patient is
(`SourcePatientLink` once matched, `MatchReview` when staff must decide)."""

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
        if self.status == self.Status.DONE and (self.total("failed") or self.reported_issues):
            return str(_("Done with issues"))
        return str(self.get_status_display())

    @property
    def reported_issues(self) -> bool:
        """Whether the run reported anything (a resource not imported, one kept differently or
        not shown yet): `has_issues` when the selector annotated it, else one query."""
        annotated = getattr(self, "has_issues", None)
        return bool(annotated) if annotated is not None else self.issues.exists()

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
