"""The activity page says billing events in readable words: who paid, set up or cancelled a plan,
asked for an estimate, for financial assistance or a question, downloaded a statement, and what
billing staff adjusted or refunded; every billing audit event the flows write has a sentence of
its own (none falls back to "changed something in the record")."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from billing.factories import AccountFactory, account_owing
from billing.gateway import TestGateway
from billing.models import Payment
from billing.services import questions
from billing.services.estimates import estimate_request
from billing.services.payments import payment_submit
from billing.services.plans import plan_cancel, plan_create
from billing.services.staff import adjustment_post, payment_refund
from billing.services.statements import statement_issue
from portal.access import Action, resolve
from portal.factories import ProxyGrantFactory, StaffMemberFactory
from portal.models import AuditEvent, Scope, StaffRole
from portal.selectors.activity import FALLBACK, SENTENCES, SENTENCES_AS, describe, who
from tests.billing.estimate_fixtures import price_visit
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_billing_flows_read_as_sentences_naming_who_did_what() -> None:
    account = account_owing(30_000, account=AccountFactory(organization__name="Lakeside Clinic"))
    patient = account.patient
    patient.home_organization = account.organization
    patient.save(update_fields=["home_organization"])
    mine = resolve(patient.user, patient, Action.BILLING)
    caregiver = ProxyGrantFactory(patient=patient, scopes=[Scope.BILLING], grantee__full_name="Rosa Diaz").grantee
    theirs = resolve(caregiver, patient, Action.BILLING)
    clerk = StaffMemberFactory(organization=account.organization, role=StaffRole.BILLING, user__full_name="Ana Lopez")
    staff = resolve(clerk.user, patient, Action.BILLING)
    assert mine and theirs and staff
    card = TestGateway().tokenize("4242424242424242")
    statement = statement_issue(account_id=account.pk)
    assert statement is not None

    client = sign_in(Client(), patient.user)
    client.get(reverse("billing_statement_pdf", kwargs={"patient_id": patient.pk, "statement_id": statement.pk}))
    paid = payment_submit(
        access=theirs,
        actor=caregiver,
        account_id=account.pk,
        purpose=Payment.Purpose.AMOUNT,
        amount_cents=5_000,
        idempotency_key="k-1",
        card=card,
    )
    plan = plan_create(
        access=mine, actor=patient.user, account_id=account.pk, monthly_cents=10_000, day_of_month=5, card=card
    )
    plan_cancel(access=mine, actor=patient.user, plan_id=plan.pk)
    priced = price_visit(account.organization)
    estimate_request(
        access=mine, actor=patient.user, item_id=priced.item.pk, coverage="uninsured", idempotency_key="e-1"
    )
    questions.billing_thread_open(
        access=mine, actor=patient.user, kind=questions.ASSISTANCE, text="I lost my job.", idempotency_key="q-1"
    )
    questions.billing_thread_open(
        access=theirs, actor=caregiver, kind=questions.QUESTION, text="Why two charges?", idempotency_key="q-2"
    )
    adjustment_post(
        access=staff,
        actor=clerk.user,
        account_id=account.pk,
        amount_cents=-1_000,
        reason="Prompt pay",
        idempotency_key="a",
    )
    payment_refund(
        access=staff, actor=clerk.user, payment_id=paid.pk, amount_cents=500, reason="Billed twice", idempotency_key="r"
    )

    events = list(AuditEvent.objects.filter(patient=patient).order_by("pk"))
    lines = [describe(e, patient.user) for e in events]
    fallen = [
        (e.action, e.object_type)
        for e in events
        if e.object_type.startswith("billing.")
        and describe(e, patient.user) == str(FALLBACK[e.action]) % {"who": who(e, patient.user)}
    ]

    assert fallen == []
    for sentence in [
        "You downloaded a statement.",
        "Rosa Diaz (caregiver) paid a bill.",
        "You set up a payment plan.",
        "You cancelled a payment plan.",
        "You changed the insurance on file for billing.",
        "You asked for an estimate of what a visit will cost.",
        "An estimate of what a visit will cost was issued.",
        "You asked for financial assistance with a bill.",
        "Rosa Diaz (caregiver) asked the billing office a question.",
        "Ana Lopez (clinic staff) adjusted what is owed on a bill.",
        "Ana Lopez (clinic staff) refunded a payment.",
    ]:
        assert sentence in lines, sentence


def test_a_question_asked_again_with_its_key_is_audited_once() -> None:
    account = account_owing(1_000)
    patient = account.patient
    mine = resolve(patient.user, patient, Action.BILLING)
    assert mine is not None

    for _ in range(2):
        questions.billing_thread_open(
            access=mine, actor=patient.user, kind=questions.QUESTION, text="Why two charges?", idempotency_key="q-1"
        )

    assert AuditEvent.objects.filter(object_type="billing.BillingQuestion").count() == 1


def test_every_billing_sentence_reads_with_or_without_someone_named() -> None:
    ours = [s for (_action, kind), s in SENTENCES.items() if kind.startswith("billing.")]
    theirs = [s for (_as, _action, kind), s in SENTENCES_AS.items() if kind.startswith("billing.")]

    assert len(ours) == 21
    assert len(theirs) == 4
    assert [str(s) for s in ours if "%(who)s" not in str(s)] == ["An estimate of what a visit will cost was issued."]
    assert not any("%(who)s" in str(s) for s in theirs)
