"""A month of synthetic message traffic through the real services, on an accelerated clock.

`simulate(config)` builds a throwaway clinic (calendar, three pools with leads, routing, SLA
policies, staff and patients), then steps a clock from `config.start` in `step_minutes` ticks.
At each tick: the patients' messages that arrived are started (`thread_start`), the SLA sweep
runs (`sla_sweep`), and, while the clinic is open, each staff member works the threads they own
in due order, as many as their capacity allows (`thread_reply` then `thread_close`); a nurse
passes a share of hers to a physician instead (`thread_reassign` with a note). Every service is
given the simulated `now`. The outcome is read back with `messaging.selectors.staff_metrics.sla_compliance`,
never counted here, so the simulation measures exactly what the metrics page shows.

Everything runs in one transaction that is rolled back (unless `keep`), and the same seed gives
the same run. The "insights" work builds on this engine: change a staffing level, run again.

Model (deliberately simple, each choice a parameter): arrivals are spread over every day of the
week, 80 % of them between 07:00 and 19:00 clinic time; each staff member answers up to
`capacity` threads per business hour (a fraction carries over to the next tick); a pool's lead
does not answer routine work but takes over late threads (the sweep hands them over) and answers
those at `lead_capacity` per hour; staff answer and close at once (a follow-up from the patient
is not simulated: the SLA is about the first answer).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from messaging import protocols
from messaging.calendar import ClinicCalendar, is_open
from messaging.models import BusinessCalendar, BusinessHours, Category, Pool, RoutingRule, SlaPolicy, Thread
from messaging.selectors.staff_metrics import SlaMetrics, sla_compliance
from messaging.services.sla import sla_sweep
from messaging.services.threads import thread_close, thread_reassign, thread_reply, thread_start
from portal.access import Access, Action, resolve
from portal.models import Organization, Patient, StaffMember, StaffRole, User

# What patients write about, by share of messages (a primary care clinic's usual mix).
DEFAULT_MIX: dict[str, float] = {
    Category.REFILL: 0.25,
    Category.NEW_SYMPTOM: 0.2,
    Category.TEST_RESULT: 0.15,
    Category.APPOINTMENT: 0.2,
    Category.BILLING: 0.05,
    Category.FORM_LETTER: 0.05,
    Category.OTHER: 0.1,
}
FRONT_DESK_CATEGORIES = (Category.APPOINTMENT, Category.BILLING, Category.FORM_LETTER, Category.OTHER)
OPENS, CLOSES = time(8), time(17)
PATIENTS = 20
DAYTIME = (7, 19)  # hours in which most messages arrive
DAYTIME_SHARE = 0.8


@dataclass(frozen=True)
class SimulationConfig:
    days: int = 30
    per_day: int = 40
    nurses: int = 3
    physicians: int = 2
    front_desk: int = 1
    capacity: float = 4.0  # first answers per staff member per business hour
    lead_capacity: float = 2.0
    escalate: float = 0.2  # share of a nurse's threads passed to a physician
    urgent: float = 0.05  # share of messages marked urgent
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    seed: int = 1
    start: date = date(2026, 3, 2)  # a Monday
    # Days after the last arrival the staff keep working, so every promise is decided.
    drain_days: int = 0
    step_minutes: int = 15
    time_zone: str = "America/Chicago"
    keep: bool = False

    def __post_init__(self) -> None:
        if self.days < 1 or self.per_day < 0 or self.step_minutes < 1 or self.drain_days < 0:
            raise ValueError("days and step must be positive; arrivals and drain days not negative")
        if min(self.nurses, self.physicians, self.front_desk) < 0 or min(self.capacity, self.lead_capacity) < 0:
            raise ValueError("staffing and capacity must not be negative")
        if not 0 <= self.escalate <= 1 or not 0 <= self.urgent <= 1:
            raise ValueError("shares are between 0 and 1")
        if (
            not self.mix
            or any(c not in Category.values or w < 0 for c, w in self.mix.items())
            or not any(self.mix.values())
        ):
            raise ValueError("the category mix needs known categories with non-negative weights")


@dataclass(frozen=True)
class SimulationResult:
    config: SimulationConfig
    metrics: SlaMetrics


@dataclass
class Worker:
    staff: StaffMember
    capacity: float
    escalates: bool = False
    credit: float = 0.0


@dataclass(frozen=True)
class Arrival:
    at: datetime
    category: str
    urgency: str
    patient: Patient


class _Rollback(Exception):
    """Raised to undo everything the simulation wrote, carrying what it measured."""

    def __init__(self, result: SimulationResult) -> None:
        super().__init__("simulation rolled back")
        self.result = result


class _Clinic:
    """The throwaway organization and the people in it."""

    def __init__(self, config: SimulationConfig) -> None:
        self.config = config
        tag = f"{config.seed}-{random.SystemRandom().getrandbits(32):08x}"
        self.organization = Organization.objects.create(
            name="Simulated clinic",
            slug=f"simulation-{tag}",
            kind=Organization.Kind.HOME_CLINIC,
            time_zone=config.time_zone,
        )
        business = BusinessCalendar.objects.create(organization=self.organization)
        BusinessHours.objects.bulk_create(
            BusinessHours(calendar=business, weekday=day, opens=OPENS, closes=CLOSES) for day in range(5)
        )
        self.calendar = ClinicCalendar.build(
            time_zone=config.time_zone, hours=[(day, OPENS, CLOSES) for day in range(5)]
        )
        self._count = 0
        self.tag = tag
        self.workers: list[Worker] = []
        self.physicians: list[StaffMember] = []
        pools = {}
        for kind, name, role, credentials, members in (
            (Pool.Kind.FRONT_DESK, "Front desk", StaffRole.FRONT_DESK, "", config.front_desk),
            (Pool.Kind.NURSE_TRIAGE, "Nurse triage", StaffRole.NURSE, "RN", config.nurses),
            (Pool.Kind.PHYSICIAN_INBOX, "Physicians", StaffRole.PHYSICIAN, "MD", config.physicians),
        ):
            lead = self._staff(role, credentials, f"{name} lead")
            pool = Pool.objects.create(organization=self.organization, name=name, kind=kind, lead=lead)
            self.workers.append(Worker(lead, config.lead_capacity))
            for number in range(1, members + 1):
                member = self._staff(role, credentials, f"{name} {number}")
                pool.members.add(member)
                escalates = role == StaffRole.NURSE and config.physicians > 0 and config.escalate > 0
                self.workers.append(Worker(member, config.capacity, escalates=escalates))
                if role == StaffRole.PHYSICIAN:
                    self.physicians.append(member)
            pools[kind] = pool
        for category in Category.values:
            kind = Pool.Kind.FRONT_DESK if category in FRONT_DESK_CATEGORIES else Pool.Kind.NURSE_TRIAGE
            RoutingRule.objects.create(organization=self.organization, category=category, pool=pools[kind])
        SlaPolicy.objects.bulk_create(
            [
                SlaPolicy(organization=self.organization, urgency=Thread.Urgency.NORMAL, first_response_minutes=480),
                SlaPolicy(organization=self.organization, urgency=Thread.Urgency.URGENT, first_response_minutes=120),
                SlaPolicy(
                    organization=self.organization,
                    category=Category.NEW_SYMPTOM,
                    urgency=Thread.Urgency.NORMAL,
                    first_response_minutes=240,
                ),
            ]
        )
        self.patients = [self._patient(number) for number in range(1, PATIENTS + 1)]
        self._access: dict[tuple[int, object], Access] = {}

    def _user(self, name: str) -> User:
        self._count += 1
        return User.objects.create_user(f"simulation-{self.tag}-{self._count}@example.org", full_name=name)

    def _staff(self, role: str, credentials: str, name: str) -> StaffMember:
        return StaffMember.objects.create(
            user=self._user(name), organization=self.organization, role=role, credentials=credentials
        )

    def _patient(self, number: int) -> Patient:
        return Patient.objects.create(
            user=self._user(f"Patient {number}"),
            home_organization=self.organization,
            mrn=f"SIM-{number}",
            given_name="Patient",
            family_name=str(number),
            birth_date=date(1960 + number, 1, 1),
        )

    def access(self, user: User, patient: Patient) -> Access:
        key = (user.pk, patient.pk)
        if key not in self._access:
            access = resolve(user, patient, Action.MESSAGING)
            if access is None:  # the clinic is built so that it always is
                raise RuntimeError("the simulated clinic's staff or patient lacks messaging access")
            self._access[key] = access
        return self._access[key]


def arrivals(config: SimulationConfig, patients: list[Patient]) -> list[Arrival]:
    """Every message of the run, in time order, drawn from the seed."""
    rng = random.Random(config.seed)  # noqa: S311 (a repeatable simulation, not a secret)
    zone = ZoneInfo(config.time_zone)
    categories, weights = list(config.mix), list(config.mix.values())
    found = []
    for offset in range(config.days):
        day = config.start + timedelta(days=offset)
        for _ in range(config.per_day):
            if rng.random() < DAYTIME_SHARE:
                minute = rng.randrange(DAYTIME[0] * 60, DAYTIME[1] * 60)
            else:
                minute = rng.randrange(24 * 60)
            wall = datetime.combine(day, time(minute // 60, minute % 60))
            urgency = Thread.Urgency.URGENT if rng.random() < config.urgent else Thread.Urgency.NORMAL
            found.append(
                Arrival(
                    at=wall.replace(tzinfo=zone),
                    category=rng.choices(categories, weights)[0],
                    urgency=urgency,
                    patient=rng.choice(patients),
                )
            )
    return sorted(found, key=lambda arrival: arrival.at)


def _closing_outcome(worker: Worker, thread: Thread) -> str:
    """How this worker closes an answered thread, as their role's protocol allows: "answered"
    where they may, else the first outcome they may give (a nurse sends an urgent one for a visit)."""
    allowed = protocols.allowed_outcomes([worker.staff.role], category=thread.category, urgency=thread.urgency)
    if Thread.Outcome.ANSWERED in allowed:
        return Thread.Outcome.ANSWERED
    return allowed[0] if allowed else ""


def _work(clinic: _Clinic, now: datetime, rng: random.Random) -> None:
    """Each staff member answers (or passes on) the threads they own, earliest due first."""
    waiting = defaultdict(list)
    for thread in (
        Thread.objects.filter(
            organization=clinic.organization, status=Thread.Status.OPEN, first_responded_at__isnull=True
        )
        .select_related("patient")
        .order_by("first_response_due_at", "pk")
    ):
        waiting[thread.owner_id].append(thread)
    hours = clinic.config.step_minutes / 60
    for worker in clinic.workers:
        worker.credit = worker.credit + worker.capacity * hours
        queue = waiting.get(worker.staff.pk, [])
        while queue and worker.credit >= 1:
            thread = queue.pop(0)
            worker.credit -= 1
            access = clinic.access(worker.staff.user, thread.patient)
            if worker.escalates and rng.random() < clinic.config.escalate:
                thread_reassign(
                    access=access,
                    actor=worker.staff.user,
                    thread_id=thread.pk,
                    to_staff_id=rng.choice(clinic.physicians).pk,
                    note="This needs a physician's answer.",
                    now=now,
                )
                continue
            thread_reply(access=access, actor=worker.staff.user, thread_id=thread.pk, body="Simulated answer.", now=now)
            outcome = _closing_outcome(worker, thread)
            if outcome:  # else their protocol has them leave it answered for someone who may close it
                thread_close(access=access, actor=worker.staff.user, thread_id=thread.pk, outcome=outcome, now=now)
        if not queue:
            worker.credit = min(worker.credit, 1.0)  # idle time is not saved up for later


def _run(config: SimulationConfig) -> SimulationResult:
    clinic = _Clinic(config)
    rng = random.Random(config.seed + 1)  # noqa: S311 (a repeatable simulation, not a secret)
    pending = arrivals(config, clinic.patients)
    step = timedelta(minutes=config.step_minutes)
    now = datetime.combine(config.start, time(0), tzinfo=ZoneInfo(config.time_zone))
    end = now + timedelta(days=config.days + config.drain_days)
    started = 0
    while now < end:
        now = min(now + step, end)
        while pending and pending[0].at <= now:
            arrival = pending.pop(0)
            started += 1
            user = arrival.patient.user
            if user is None:  # every simulated patient has an account
                raise RuntimeError("a simulated patient has no account")
            thread_start(
                access=clinic.access(user, arrival.patient),
                actor=user,
                category=arrival.category,
                subject="Simulated message",
                body="A simulated message.",
                urgency=arrival.urgency,
                idempotency_key=f"simulation-{started}",
                now=arrival.at,
            )
        open_now = is_open(clinic.calendar, now)
        # Due and at-risk times are business times, so they fall in opening hours or at closing
        # time: sweeping while open and at the first tick after closing misses nothing.
        if open_now or is_open(clinic.calendar, now - step):
            sla_sweep(now=now)
        if open_now:
            _work(clinic, now, rng)
    metrics = sla_compliance(organization=clinic.organization, days=config.days + config.drain_days, now=end)
    return SimulationResult(config=config, metrics=metrics)


def simulate(config: SimulationConfig) -> SimulationResult:
    """Run the simulation; everything it wrote is rolled back unless `config.keep`."""
    try:
        with transaction.atomic():
            result = _run(config)
            if not config.keep:
                raise _Rollback(result)
    except _Rollback as rollback:
        result = rollback.result
    return result
