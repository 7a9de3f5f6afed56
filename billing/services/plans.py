"""Payment plans: set up within the clinic's rules, swept by beat, cancelled by the patient.

Every instalment is a row made when the plan is set up. The sweep charges it in three steps:
1. in a transaction, the due instalment is locked (SKIP LOCKED), its attempt counted and its
   payment row written; the instalment is then "charging" (committed: a promise row);
2. the gateway is asked with a key derived from the instalment row and its attempt
   (`Instalment.gateway_key`), which a gateway honours by charging once;
3. in a transaction, the answer is recorded (the payment settled, the instalment paid, retried
   later, or failed and the patient told).
A worker killed between 2 and 3 leaves the instalment "charging": the next sweep asks the gateway
again with the same key and gets the same charge back, so nothing is charged twice or lost. Two
sweeps at once: the lock of step 1 gives each due instalment to one; a "charging" one both may
ask about, with the same key, and step 3 records the answer once."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing import notifications
from billing.gateway import CardToken, GatewayUnavailable, gateway
from billing.models import Account, Instalment, Payment, PaymentPlan, PlanRules
from billing.money import dollars
from billing.services.ledger import account_lock
from billing.services.payments import payment_settle
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError

# Rules for an organization that has not set its own (administrators set them in the admin).
DEFAULT_MINIMUM_MONTHLY_CENTS = 2_500
DEFAULT_MAXIMUM_MONTHS = 12
# The wait before each retry of a declined instalment (attempt 2 after 2 days, 3 after 3 more).
RETRY_AFTER = (timedelta(days=2), timedelta(days=3))
# Instalments are charged from this hour on their day, at the clinic.
CHARGE_HOUR = 9
SWEEP_LIMIT = 200


@dataclass(frozen=True)
class Rules:
    minimum_monthly_cents: int
    maximum_months: int


def rules_for(organization_id: int) -> Rules:
    row = PlanRules.objects.filter(organization_id=organization_id).first()
    if row is None:
        return Rules(DEFAULT_MINIMUM_MONTHLY_CENTS, DEFAULT_MAXIMUM_MONTHS)
    return Rules(row.minimum_monthly_cents, row.maximum_months)


def months_needed(total_cents: int, monthly_cents: int) -> int:
    return -(-total_cents // monthly_cents)


def _due_dates(first_after: date, day: int, count: int) -> list[date]:
    """`count` monthly dates on `day`, the first strictly after `first_after`."""
    year, month = first_after.year, first_after.month
    if first_after.day >= day:
        month += 1
    dates = []
    for _index in range(count):
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        dates.append(date(year, month, min(day, calendar.monthrange(year, month)[1])))
        month += 1
    return dates


def _charge_at(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, CHARGE_HOUR, tzinfo=zone)


def plan_validate(*, account: Account, monthly_cents: int | None, day_of_month: int | None) -> int:
    """The number of months, or a ServiceError naming the field and the clinic's rule."""
    rules = rules_for(account.organization_id)
    if account.balance_cents <= 0:
        raise ServiceError(_("There is nothing to pay on this account right now."))
    if day_of_month is None or not 1 <= day_of_month <= 28:
        raise ServiceError(_("Choose a day between the 1st and the 28th."), field="day_of_month")
    if monthly_cents is None or monthly_cents <= 0:
        raise ServiceError(_("Enter a monthly amount greater than $0.00."), field="monthly_amount")
    if monthly_cents > account.balance_cents:
        raise ServiceError(
            _("That is more than you owe (%(owed)s). Pay it at once instead, or enter less.")
            % {"owed": dollars(account.balance_cents)},
            field="monthly_amount",
        )
    if monthly_cents < rules.minimum_monthly_cents:
        raise ServiceError(
            _("The smallest monthly amount this clinic accepts is %(minimum)s.")
            % {"minimum": dollars(rules.minimum_monthly_cents)},
            field="monthly_amount",
        )
    months = months_needed(account.balance_cents, monthly_cents)
    if months > rules.maximum_months:
        smallest = months_needed(account.balance_cents, rules.maximum_months)
        raise ServiceError(
            ngettext(
                "This clinic's plans last at most %(months)d month: pay at least %(smallest)s a month.",
                "This clinic's plans last at most %(months)d months: pay at least %(smallest)s a month.",
                rules.maximum_months,
            )
            % {"months": rules.maximum_months, "smallest": dollars(max(smallest, rules.minimum_monthly_cents))},
            field="monthly_amount",
        )
    return months


def plan_create(
    *,
    access: Access,
    actor: User | None,
    account_id: int,
    monthly_cents: int | None,
    day_of_month: int | None,
    card: CardToken,
    now: datetime | None = None,
) -> PaymentPlan:
    """A plan for the account's whole balance, its instalments written at once."""
    access.require(Action.BILLING)
    now = now or timezone.now()
    with transaction.atomic():
        account = account_lock(account_id=account_id)
        if account.patient_id != access.patient.pk:
            raise ServiceError(_("This account is not one of yours."))
        if PaymentPlan.objects.filter(account=account, status=PaymentPlan.Status.ACTIVE).exists():
            raise ServiceError(_("This account already has a payment plan. Cancel it first to set up another."))
        months = plan_validate(account=account, monthly_cents=monthly_cents, day_of_month=day_of_month)
        if monthly_cents is None or day_of_month is None:  # plan_validate refused those already
            raise ServiceError(_("Enter a monthly amount greater than $0.00."), field="monthly_amount")
        total = account.balance_cents
        try:
            with transaction.atomic():
                plan = PaymentPlan.objects.create(
                    account=account,
                    monthly_cents=monthly_cents,
                    day_of_month=day_of_month,
                    total_cents=total,
                    card_token=card.token,
                    card_last4=card.last4,
                    created_by=actor,
                    created_at=now,
                )
        except IntegrityError:
            raise ServiceError(
                _("This account already has a payment plan. Cancel it first to set up another.")
            ) from None
        zone = ZoneInfo(account.organization.time_zone)
        today = timezone.localtime(now, zone).date()
        rows = []
        left = total
        for number, due in enumerate(_due_dates(today, day_of_month, months), start=1):
            amount = min(monthly_cents, left)
            left -= amount
            rows.append(
                Instalment(
                    plan=plan, number=number, due_on=due, amount_cents=amount, next_attempt_at=_charge_at(due, zone)
                )
            )
        Instalment.objects.bulk_create(rows)
        audit.record(
            actor=actor,
            patient=access.patient,
            action=AuditEvent.Action.CREATE,
            obj=plan,
            acting_as=access.acting_as,
            scope=Action.BILLING,
        )
    return plan


def plan_cancel(*, access: Access, actor: User | None, plan_id: int, now: datetime | None = None) -> PaymentPlan:
    """Cancel an active plan: instalments not yet charged are cancelled (one being charged right
    now finishes)."""
    access.require(Action.BILLING)
    now = now or timezone.now()
    with transaction.atomic():
        plan = PaymentPlan.objects.select_for_update().filter(pk=plan_id, account__patient_id=access.patient.pk).first()
        if plan is None:
            raise ServiceError(_("This payment plan is not one of yours."))
        if plan.status != PaymentPlan.Status.ACTIVE:
            return plan
        _cancel(plan, access=access, actor=actor, now=now)
    return plan


def _cancel(plan: PaymentPlan, *, access: Access, actor: User | None, now: datetime, reason: str = "") -> None:
    """The locked active plan cancelled, its instalments not yet charged with it, audited."""
    plan.status = PaymentPlan.Status.CANCELLED
    plan.cancelled_at = now
    fields = ["status", "cancelled_at"]
    if reason:
        plan.cancelled_by, plan.cancel_reason = actor, reason
        fields += ["cancelled_by", "cancel_reason"]
    plan.save(update_fields=fields)
    Instalment.objects.filter(plan=plan, status=Instalment.Status.SCHEDULED).update(
        status=Instalment.Status.CANCELLED, completed_at=now
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=plan)


def plan_cancel_by_staff(
    *, access: Access, actor: User, plan_id: int, reason: str, now: datetime | None = None
) -> PaymentPlan:
    """Billing staff cancel a patient's active plan, saying why (kept with the plan and shown to
    staff). Only plans on their own organization's accounts; a cancelled plan stays as it is."""
    access.require(Action.BILLING, staff_side=True)
    now = now or timezone.now()
    reason = reason.strip()[:300]
    if len(reason) < 3:
        raise ServiceError(_("Say why, in a few words."), field="reason")
    with transaction.atomic():
        plan = (
            PaymentPlan.objects.select_for_update()
            .filter(
                pk=plan_id,
                account__patient_id=access.patient.pk,
                account__organization_id=access.staff_member().organization_id,
            )
            .first()
        )
        if plan is None:
            raise ServiceError(_("Only your own organization's plans can be changed here."))
        if plan.status == PaymentPlan.Status.ACTIVE:
            _cancel(plan, access=access, actor=actor, now=now, reason=reason)
    return plan


# -- the sweep -----------------------------------------------------------------------------------


def _claim(*, now: datetime, limit: int) -> list[int]:
    """Step 1: due scheduled instalments become "charging" with their payment row; returns them
    with the ones already charging (a killed worker's, or another sweep's, asked again by key)."""
    claimed: list[int] = []
    with transaction.atomic():
        due = list(
            Instalment.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("plan")
            .filter(
                status=Instalment.Status.SCHEDULED,
                next_attempt_at__lte=now,
                plan__status=PaymentPlan.Status.ACTIVE,
            )
            .order_by("next_attempt_at", "pk")[:limit]
        )
        for instalment in due:
            account = account_lock(account_id=instalment.plan.account_id)
            amount = min(instalment.amount_cents, account.balance_cents)
            if amount <= 0:
                # Paid some other way already: nothing to charge.
                instalment.status = Instalment.Status.CANCELLED
                instalment.completed_at = now
                instalment.save(update_fields=["status", "completed_at"])
                _plan_maybe_complete(instalment.plan_id, now)
                continue
            instalment.attempts += 1
            payment = Payment.objects.create(
                account=account,
                purpose=Payment.Purpose.INSTALMENT,
                amount_cents=amount,
                idempotency_key=instalment.gateway_key(),
                gateway=gateway().name,
                card_last4=instalment.plan.card_last4,
                created_at=now,
            )
            instalment.payment = payment
            instalment.status = Instalment.Status.CHARGING
            instalment.save(update_fields=["attempts", "payment", "status"])
            audit.record(
                actor=None,
                patient=account.patient,
                action=AuditEvent.Action.CREATE,
                obj=payment,
                acting_as=AuditEvent.ActingAs.SYSTEM,
                scope=Action.BILLING,
            )
            claimed.append(instalment.pk)
    charging = Instalment.objects.filter(status=Instalment.Status.CHARGING).exclude(pk__in=claimed)
    return claimed + list(charging.order_by("pk").values_list("pk", flat=True)[:limit])


def _plan_maybe_complete(plan_id: int, now: datetime) -> None:
    open_left = Instalment.objects.filter(
        plan_id=plan_id, status__in=[Instalment.Status.SCHEDULED, Instalment.Status.CHARGING]
    ).exists()
    if not open_left:
        PaymentPlan.objects.filter(pk=plan_id, status=PaymentPlan.Status.ACTIVE).update(
            status=PaymentPlan.Status.COMPLETED
        )


def _ask_gateway(instalment_id: int) -> tuple[str, str, int] | None:
    """Step 2: the gateway's answer for this attempt (asked by the attempt's key)."""
    instalment = Instalment.objects.select_related("plan", "payment").get(pk=instalment_id)
    if instalment.status != Instalment.Status.CHARGING or instalment.payment is None:
        return None
    try:
        result = gateway().charge(
            amount_cents=instalment.payment.amount_cents,
            token=instalment.plan.card_token,
            idempotency_key=instalment.gateway_key(),
            metadata={"portal_payment": str(instalment.payment.pk)},
        )
    except GatewayUnavailable:
        return None  # still "charging": the next sweep asks again with the same key
    return result.outcome, result.reference, instalment.attempts


def _record(instalment_id: int, attempt: int, outcome: str, reference: str, now: datetime) -> None:
    """Step 3: the answer recorded once (a second sweep with the same answer changes nothing)."""
    with transaction.atomic():
        instalment = (
            Instalment.objects.select_for_update().select_related("plan__account__patient").get(pk=instalment_id)
        )
        if instalment.status != Instalment.Status.CHARGING or instalment.attempts != attempt:
            return
        if instalment.payment_id is None:  # the database refuses a charging row without one
            return
        payment = payment_settle(payment_id=instalment.payment_id, outcome=outcome, reference=reference, now=now)
        if payment.status == Payment.Status.PENDING:
            return  # the processor has not decided: still "charging", asked again by the next sweep
        if payment.status == Payment.Status.SUCCEEDED:
            instalment.status = Instalment.Status.PAID
            instalment.completed_at = now
            instalment.failure_code = ""
            instalment.save(update_fields=["status", "completed_at", "failure_code"])
            _plan_maybe_complete(instalment.plan_id, now)
            return
        instalment.failure_code = payment.failure_code or outcome
        if instalment.attempts < Instalment.MAX_ATTEMPTS and instalment.plan.status == PaymentPlan.Status.ACTIVE:
            instalment.status = Instalment.Status.SCHEDULED
            instalment.next_attempt_at = now + RETRY_AFTER[instalment.attempts - 1]
            instalment.save(update_fields=["status", "next_attempt_at", "failure_code"])
            return
        instalment.status = Instalment.Status.FAILED
        instalment.completed_at = now
        instalment.save(update_fields=["status", "completed_at", "failure_code"])
        notifications.instalment_failed(
            patient=instalment.plan.account.patient, instalment_id=instalment.pk, plan_id=instalment.plan_id
        )
        _plan_maybe_complete(instalment.plan_id, now)


@dataclass
class SweepResult:
    charged: int = 0
    retrying: int = 0
    failed: int = 0


def instalments_sweep(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> SweepResult:
    """Charge every due instalment once (safe to run twice at once, or again after a crash)."""
    now = now or timezone.now()
    result = SweepResult()
    for instalment_id in _claim(now=now, limit=limit):
        answer = _ask_gateway(instalment_id)
        if answer is None:
            continue
        outcome, reference, attempt = answer
        _record(instalment_id, attempt, outcome, reference, now)
        status = Instalment.objects.filter(pk=instalment_id).values_list("status", flat=True).first()
        if status == Instalment.Status.PAID:
            result.charged += 1
        elif status == Instalment.Status.SCHEDULED:
            result.retrying += 1
        elif status == Instalment.Status.FAILED:
            result.failed += 1
    return result
