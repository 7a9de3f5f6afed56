"""factory-boy factories for the clinical record (tests and scale data)."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from portal.factories import OrganizationFactory, PatientFactory
from records.models import RecordItem, SourceRecord


class SourceRecordFactory(factory.django.DjangoModelFactory[SourceRecord]):
    class Meta:
        model = SourceRecord

    source = factory.SubFactory(OrganizationFactory)
    patient = factory.SubFactory(PatientFactory)
    resource_type = "Observation"
    resource_id = factory.Sequence(lambda n: f"obs-{n}")
    subject_id = factory.LazyAttribute(lambda record: str(record.patient.pk) if record.patient else "")
    raw = factory.LazyAttribute(lambda record: {"resourceType": record.resource_type, "id": record.resource_id})
    content_hash = factory.Sequence(lambda n: f"{n:064d}")


class RecordItemFactory(factory.django.DjangoModelFactory[RecordItem]):
    """A released lab result (hemoglobin A1c) unless told otherwise."""

    class Meta:
        model = RecordItem

    record = factory.SubFactory(
        SourceRecordFactory, patient=factory.SelfAttribute("..patient"), source=factory.SelfAttribute("..source")
    )
    patient = factory.SubFactory(PatientFactory)
    source = factory.SubFactory(OrganizationFactory)
    kind = RecordItem.Kind.RESULT
    code_system = "http://loinc.org"
    code = "4548-4"
    display = "Hemoglobin A1c/Hemoglobin.total in Blood"
    category = "laboratory"
    effective_at = factory.LazyFunction(timezone.now)
    value_number = Decimal("6.1")
    unit = "%"
