"""Charges built from imported claims: idempotent, corrected by new rows, never billing what the
insurer has not answered; and, on the real Synthea bundles, reconciled to the cent both ways
with the insurer's own totals read straight from the files."""

from __future__ import annotations

import json
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from billing.models import Account, Charge, ChargeLine, LedgerEntry
from billing.services.charges import charges_sync
from portal.models import Organization, Patient
from records.models import SourceRecord
from tests.billing.conftest import import_bundle, shared_bundles
from tests.records.conftest import BUNDLE

pytestmark = pytest.mark.django_db

SHARED = shared_bundles()
needs_shared = pytest.mark.skipif(SHARED is None, reason="../shared/data is not here")


def _cents(value: Decimal) -> int:
    return int(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


def _from_file(path: Path) -> dict[str, Any]:
    """The insurer's totals, read from the bundle with no billing code: per EOB (by claim id) the
    submitted total, what the insurer paid and the coinsurance and deductible it put on the
    patient; and the claims no EOB answers."""
    resources = [entry["resource"] for entry in json.loads(path.read_text())["entry"]]
    claims = {r["id"] for r in resources if r["resourceType"] == "Claim"}
    by_claim: dict[str, dict[str, int]] = {}
    for eob in (r for r in resources if r["resourceType"] == "ExplanationOfBenefit"):
        parts: Counter[str] = Counter()
        exact = {"coinsurance": Decimal(0), "deductible": Decimal(0)}
        for item in eob["item"]:
            for adjudication in item.get("adjudication", []):
                code = adjudication["category"]["coding"][0]["code"]
                if "amount" not in adjudication:
                    continue
                if code.endswith("line_coinsrnc_amt"):
                    exact["coinsurance"] += Decimal(str(adjudication["amount"]["value"]))
                if code.endswith("ddctbl_amt"):
                    exact["deductible"] += Decimal(str(adjudication["amount"]["value"]))
        parts["submitted"] = _cents(Decimal(str(eob["total"][0]["amount"]["value"])))
        parts["paid"] = _cents(Decimal(str(eob["payment"]["amount"]["value"])))
        parts["coinsurance"] = _cents(exact["coinsurance"])
        parts["deductible"] = _cents(exact["deductible"])
        by_claim[eob["claim"]["reference"].removeprefix("urn:uuid:")] = dict(parts)
    return {"eobs": by_claim, "unanswered": claims - set(by_claim)}


def _from_tables(patient: Patient) -> dict[str, dict[str, int]]:
    rows = (
        ChargeLine.objects.filter(charge__account__patient=patient, charge__status=Charge.Status.ADJUDICATED)
        .values("charge__claim_id")
        .annotate(
            submitted=Sum("submitted_cents"),
            paid=Sum("insurer_paid_cents"),
            coinsurance=Sum("coinsurance_cents"),
            deductible=Sum("deductible_cents"),
        )
    )
    return {
        row["charge__claim_id"]: {k: row[k] for k in ("submitted", "paid", "coinsurance", "deductible")} for row in rows
    }


def _ledger_matches(patient: Patient) -> None:
    """The other way: what the ledger bills is exactly the patient share of the adjudicated lines,
    and each account's stored total is the sum of its rows."""
    for account in Account.objects.filter(patient=patient):
        rows = LedgerEntry.objects.filter(account=account).aggregate(total=Sum("amount_cents"))["total"] or 0
        owed = (
            ChargeLine.objects.filter(charge__account=account)
            .exclude(charge__status=Charge.Status.WITH_INSURANCE)
            .aggregate(total=Sum("patient_owes_cents"))["total"]
            or 0
        )
        assert account.balance_cents == rows == owed
    assert not LedgerEntry.objects.filter(
        account__patient=patient, charge_line__charge__status=Charge.Status.WITH_INSURANCE
    ).exists()


def test_the_fixture_bundle_makes_one_charge_per_claim_and_a_second_sync_changes_nothing(kihn: Patient) -> None:
    first = charges_sync(patient_id=kihn.pk)
    entries = LedgerEntry.objects.count()

    second = charges_sync(patient_id=kihn.pk)

    assert (first.created, first.updated, first.unchanged) == (5, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert LedgerEntry.objects.count() == entries
    expected = _from_file(BUNDLE)
    assert _from_tables(kihn) == expected["eobs"]
    _ledger_matches(kihn)


def test_a_claim_without_its_explanation_of_benefit_is_with_insurance_and_not_billed(hospital: Organization) -> None:
    patient = import_bundle(hospital, BUNDLE)
    answered = SourceRecord.objects.filter(resource_type="ExplanationOfBenefit").order_by("resource_id").first()
    assert answered is not None
    claim_id = answered.raw["claim"]["reference"].removeprefix("urn:uuid:")
    # The insurer has not finished with this claim: its explanation of benefit says "queued".
    raw = {**answered.raw, "outcome": "queued"}
    SourceRecord.objects.filter(pk=answered.pk).update(raw=raw)

    charges_sync(patient_id=patient.pk)

    charge = Charge.objects.get(claim_id=claim_id)
    assert charge.status == Charge.Status.WITH_INSURANCE
    assert charge.get_status_display() == "Insurance is still working on this"
    assert sum(line.patient_owes_cents for line in charge.lines.all()) == 0
    assert not LedgerEntry.objects.filter(charge_line__charge=charge).exists()
    _ledger_matches(patient)


def test_a_changed_adjudication_posts_a_correction_row_and_keeps_the_first(kihn: Patient) -> None:
    charges_sync(patient_id=kihn.pk)
    line = ChargeLine.objects.filter(coinsurance_cents__gt=0).select_related("charge").first()
    assert line is not None
    before = line.patient_owes_cents
    eob = SourceRecord.objects.get(resource_type="ExplanationOfBenefit", resource_id=line.charge.eob_id)
    raw = json.loads(json.dumps(eob.raw))
    for item in raw["item"]:
        if item["sequence"] == line.sequence:
            for adjudication in item["adjudication"]:
                if adjudication["category"]["coding"][0]["code"].endswith("line_coinsrnc_amt"):
                    adjudication["amount"]["value"] = 10.0
    SourceRecord.objects.filter(pk=eob.pk).update(raw=raw)

    result = charges_sync(patient_id=kihn.pk)

    assert (result.updated, result.unchanged) == (1, 4)
    rows = list(LedgerEntry.objects.filter(charge_line=line).order_by("pk").values_list("kind", "amount_cents"))
    assert rows == [("charge", before), ("charge_correction", 1000 - before)]
    _ledger_matches(kihn)


def test_the_ledger_refuses_updates_and_deletes(kihn: Patient) -> None:
    charges_sync(patient_id=kihn.pk)
    entry = LedgerEntry.objects.first()
    assert entry is not None
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_cents=1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()


def test_a_line_whose_share_is_not_its_parts_is_refused_by_the_database(kihn: Patient) -> None:
    charges_sync(patient_id=kihn.pk)
    line = ChargeLine.objects.filter(coinsurance_cents__gt=0).first()
    assert line is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        ChargeLine.objects.filter(pk=line.pk).update(patient_owes_cents=line.patient_owes_cents + 1)


@needs_shared
def test_every_synthea_bundle_reconciles_to_the_cent_both_ways(hospital: Organization) -> None:
    assert SHARED is not None
    paths = sorted(p for p in SHARED.glob("*_*.json") if "Information" not in p.name)
    assert len(paths) == 12
    totals: Counter[str] = Counter()
    for path in paths:
        patient = import_bundle(hospital, path)
        charges_sync(patient_id=patient.pk)
        expected = _from_file(path)

        assert _from_tables(patient) == expected["eobs"], path.name
        waiting = set(
            Charge.objects.filter(account__patient=patient, status=Charge.Status.WITH_INSURANCE).values_list(
                "claim_id", flat=True
            )
        )
        assert waiting == expected["unanswered"], path.name
        _ledger_matches(patient)
        for parts in expected["eobs"].values():
            totals.update(parts)
        totals["waiting"] += len(waiting)
    # The sums over all twelve, from the files, against billing's tables.
    lines = ChargeLine.objects.filter(charge__status=Charge.Status.ADJUDICATED).aggregate(
        submitted=Sum("submitted_cents"), paid=Sum("insurer_paid_cents"), owed=Sum("patient_owes_cents")
    )
    assert lines["submitted"] == totals["submitted"]
    assert lines["paid"] == totals["paid"]
    assert lines["owed"] == totals["coinsurance"] + totals["deductible"]
    assert Account.objects.aggregate(total=Sum("balance_cents"))["total"] == lines["owed"]
    assert totals["waiting"] == 200


def test_the_beat_sweep_builds_charges_for_every_patient_with_claims_and_a_rerun_changes_nothing(
    kihn: Patient,
) -> None:
    from django.conf import settings

    from billing.tasks import sync_charges

    assert settings.CELERY_BEAT_SCHEDULE["billing-charges-sync"]["task"] == sync_charges.name
    first = sync_charges()
    second = sync_charges()

    assert first == {"created": 5, "updated": 0, "unchanged": 0, "skipped": 0}
    assert second == {"created": 0, "updated": 0, "unchanged": 5, "skipped": 0}
