"""Demo cases: planned over the last months, then run one by one through the real services.

``CaseGenerator.plan(n)`` decides, for ``n`` registration times in chronological order, where each
case is registered, what it is about and how far it has got by now (older cases mostly closed,
recent ones open), making sure every status and every demo login has something to show.
``CaseGenerator.run(plan)`` then lays the case's steps out in time (all in the past, increasing)
and performs them with ``register_case``, ``workflow.transition``, ``book_session`` and the other
services, so numbers, deadlines and the event timeline are exactly what real use would produce.
"""

import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from faker import Faker

from .. import workflow
from ..errors import DomainError, DoubleBooking, InvalidInput
from ..models import (
    Agreement,
    AgreementForm,
    Case,
    Category,
    Centre,
    CentreKind,
    CentreLevel,
    Channel,
    ContactMethod,
    DocumentType,
    FailGuidance,
    FollowUp,
    Fulfilment,
    Gender,
    Mediator,
    Party,
    PartyKind,
    PartyRole,
    RiskLevel,
    Session,
    SessionMode,
    Status,
)
from ..services.agreements import record_fulfilment
from ..services.follow_ups import record_follow_up
from ..services.intake import PartyData, register_case
from ..services.sessions import book_session, record_session
from . import city, stories
from .city import District
from .network import DEMO_COURT, DEMO_DISTRICT, DEMO_STREET, Network
from .people import PeopleFactory
from .stories import Story

SPAN_DAYS = 730  # cases are registered over the last 24 months

S = Status
CHANNEL_WEIGHTS = {
    Channel.WALK_IN: 44, Channel.HOTLINE: 18, Channel.GRID: 12, Channel.POLICE: 7,
    Channel.ONLINE: 6, Channel.COURT_ENTRUSTED: 6, Channel.PETITION: 4,
    Channel.DEPARTMENT_TRANSFER: 3,
}  # fmt: skip
ROUND_THE_CLOCK = {Channel.HOTLINE, Channel.ONLINE}

# Where a case stands now, by its age in days: (age below, {status: weight}).
STATUS_BY_AGE: list[tuple[float, dict[Status, float]]] = [
    (3, {S.REGISTERED: 40, S.ACCEPTED: 20, S.IN_MEDIATION: 25, S.DECLINED: 5,
         S.PENDING_TRANSFER: 5, S.RESOLVED: 5}),
    (30, {S.IN_MEDIATION: 42, S.ACCEPTED: 4, S.SUSPENDED: 6, S.PENDING_TRANSFER: 3,
          S.RESOLVED: 20, S.CLOSED: 18, S.DECLINED: 3, S.WITHDRAWN: 2, S.FAILED: 1,
          S.REGISTERED: 1}),
    (60, {S.CLOSED: 66, S.RESOLVED: 12, S.IN_MEDIATION: 8, S.SUSPENDED: 4, S.DECLINED: 4,
          S.WITHDRAWN: 3, S.FAILED: 1, S.PENDING_TRANSFER: 1, S.ACCEPTED: 1}),
    (math.inf, {S.CLOSED: 93, S.DECLINED: 4, S.RESOLVED: 1.2, S.IN_MEDIATION: 0.6,
                S.SUSPENDED: 0.4, S.WITHDRAWN: 0.4, S.FAILED: 0.2, S.ACCEPTED: 0.1,
                S.PENDING_TRANSFER: 0.1}),
]  # fmt: skip
# How a closed case ended: success rate resolved / (resolved + failed) ≈ 98%.
CLOSED_OUTCOMES = {S.RESOLVED: 94.5, S.WITHDRAWN: 3.5, S.FAILED: 2.0}
# When a status must be shown but chance gave it no case: take one no older than this (days).
QUOTA_AGE = {
    S.REGISTERED: 10, S.ACCEPTED: 20, S.PENDING_TRANSFER: 40, S.IN_MEDIATION: 45,
    S.SUSPENDED: 60, S.RESOLVED: 60, S.FAILED: 60, S.WITHDRAWN: 60, S.DECLINED: None,
    S.CLOSED: None,
}  # fmt: skip
BOOKABLE = {S.ACCEPTED, S.IN_MEDIATION, S.SUSPENDED}


@dataclass
class Plan:
    """One case to make: decided up front, performed by ``CaseGenerator.run``."""

    index: int
    at: datetime  # registration time
    channel: str
    district: District
    centre: Centre
    category: Category
    story: Story
    risk: str
    target: Status  # where the case stands now
    outcome: Status = S.RESOLVED  # how a closed case ended
    transfer: str = ""  # "", "pre", "returned", "mid", "pending_pre", "pending_mid"
    court: Centre | None = None
    demo_lead: bool = False
    locked: bool = False  # chosen on purpose (demo logins, status quotas): not to be re-chosen


@dataclass
class _Point:
    gap: timedelta
    action: Callable[[datetime], None] | None
    fixed: bool
    snap: str  # "", "office" (working hours) or "slot" (a session's half-hour slot)


class Schedule:
    """A plan's dates: the case's steps as gaps from one to the next, laid out so every action is
    before ``limit`` (not the case page's timeline, which shows the events written)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.points: list[_Point] = []
        self.times: list[datetime] = []
        self.recent = -1  # a point to move close to ``limit`` when it is the last action

    def add(
        self,
        gap: timedelta,
        action: Callable[[datetime], None] | None = None,
        *,
        fixed: bool = False,
        snap: str = "office",
    ) -> int:
        self.points.append(_Point(gap, action, fixed, snap))
        return len(self.points) - 1

    def lay_out(self, start: datetime, limit: datetime) -> None:
        """Compute ``times``; squeeze the variable gaps until the last action falls before ``limit``."""
        last = max(i for i, p in enumerate(self.points) if p.action is not None)
        for scale in (1.0, 0.6, 0.35, 0.2, 0.1, 0.05, 0.02, 0.01, 0.003):
            times = self._times(start, scale, snap=scale >= 0.2)
            if times[last] < limit:
                self.times = times
                if self.recent == last:  # e.g. the next session of an open case: booked lately
                    lately = limit - timedelta(hours=self.rng.uniform(1, 72))
                    if lately > times[last]:
                        self.times = times[:last] + self._times(lately, 1.0, snap=True, first=last)
                return
        # A case registered minutes ago that must already be far along: spread it evenly.
        step = (limit - start) / (last + 1)
        times = [start + step * i for i in range(last + 1)]
        for point in self.points[last + 1 :]:
            times.append(times[-1] + point.gap)
        self.times = times

    def _times(
        self, start: datetime, scale: float, *, snap: bool, first: int = 0
    ) -> list[datetime]:
        """Times of the points from ``first`` on, ``first`` being at ``start``."""
        times = [start]
        for point in self.points[first + 1 :]:
            gap = point.gap if point.fixed else point.gap * scale
            at = times[-1] + max(gap, timedelta(seconds=1))
            if snap and point.snap == "office":
                at = self._office(at)
            elif snap and point.snap == "slot":
                at = self._slot(at)
            times.append(at)
        return times

    def _office(self, at: datetime) -> datetime:
        local = timezone.localtime(at)
        minutes = local.hour * 60 + local.minute
        if local.weekday() < 5 and 8 * 60 + 30 <= minutes < 18 * 60:
            return at
        day = local.date() + timedelta(days=0 if minutes < 8 * 60 + 30 else 1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        opening = datetime.combine(day, time(8, 30)) + timedelta(minutes=self.rng.randint(0, 120))
        return timezone.make_aware(opening)

    def _slot(self, at: datetime) -> datetime:
        local = timezone.localtime(at)
        slot = local.replace(minute=0, second=0, microsecond=0) + timedelta(
            minutes=30 if local.minute else 0
        )
        if local.minute > 30:
            slot += timedelta(minutes=30)
        if slot.weekday() < 5 and 9 <= slot.hour < 16:
            return slot
        day = slot.date() + timedelta(days=0 if slot.hour < 9 else 1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start = datetime.combine(day, time(9)) + timedelta(minutes=30 * self.rng.randint(0, 12))
        return timezone.make_aware(start)


@dataclass
class Content:
    """What a case is about, as typed at intake, and the agreement it may end with."""

    parties: list[PartyData]
    summary: str
    facts: str
    location: str
    amount: Decimal | None
    terms: str
    agreed: Decimal | None
    days: int  # days the agreement gives to perform


@dataclass
class _State:
    """What a running case has become so far."""

    plan: Plan
    content: Content
    case: Case | None = None
    lead: Mediator | None = None
    co: list[Mediator] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    session: Session | None = None
    agreement: Agreement | None = None
    resolve_index: int | None = None  # the resolve step's place on the schedule
    deadline: date | None = None
    fulfilment: str = ""
    fulfilment_recorded: bool = False


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def _days(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(days=rng.uniform(low, high))


def yuan(amount: Decimal) -> str:
    """``35000`` → ``3.5万元``, ``8600`` → ``8600元``."""
    if amount >= 10000:
        return f"{(amount / 10000).quantize(Decimal('0.01')).normalize():f}万元"
    return f"{int(amount)}元"


class CaseGenerator:
    """Plans and runs demo cases on a built ``Network``. Counts what it did in ``stats``."""

    def __init__(self, net: Network, rng: random.Random, fake: Faker, now: datetime) -> None:
        self.net = net
        self.rng = rng
        self.people = PeopleFactory(rng, fake)
        self.now = now
        self.limit = now - timedelta(minutes=1)
        self.stats: Counter[str] = Counter()
        self.committees = {
            c.field.code: c
            for c in net.centres.values()
            if c.kind == CentreKind.PROFESSIONAL and c.field is not None
        }
        self.tops = [c for c in net.categories.values() if c.parent_id is None]
        self.subs: dict[int, list[Category]] = {}
        for category in net.categories.values():
            if category.parent_id is not None:
                self.subs.setdefault(category.parent_id, []).append(category)
        missing = [
            c.code for c in net.categories.values() if c.parent_id and c.code not in stories.STORIES
        ]
        if missing:
            raise ValueError(f"No demo story for categories: {', '.join(sorted(missing))}")
        self.demo_mediator = net.demo_mediator
        self.court_numbers: Counter[tuple[int, int]] = Counter()
        self.span_days = SPAN_DAYS  # registrations spread over this many days before ``now``

    # --- planning --------------------------------------------------------------------------

    def plan(self, n: int) -> list[Plan]:
        plans = self.plans_for(self._registration_times(n))
        self.finish_plans(plans)
        return plans

    def finish_plans(self, plans: list[Plan]) -> None:
        """Give the demo logins their cases and every status a few (among the latest plans)."""
        self._give_demo_logins_cases(plans)
        self._show_every_status(plans)

    def plans_for(self, times: list[tuple[datetime, str]], first: int = 0) -> list[Plan]:
        """Plans for registrations at ``times`` (with their channels), numbered from ``first``."""
        rng = self.rng
        plans = []
        for index, (at, channel) in enumerate(times, start=first):
            district = self._pick_district()
            top = self._pick_top()
            centre, court = self._pick_centre(channel, district, top)
            if centre.level != CentreLevel.CITY:
                district = self.net.places[centre.pk].district
            sub = rng.choice(sorted(self.subs[top.pk], key=lambda c: c.position))
            plan = Plan(
                index=index,
                at=at,
                channel=channel,
                district=district,
                centre=centre,
                category=sub,
                story=rng.choice(stories.STORIES[sub.code]),
                risk=rng.choices(
                    [RiskLevel.NORMAL, RiskLevel.ATTENTION, RiskLevel.HIGH], [88, 9, 3]
                )[0],
                target=self._pick_status(at),
                court=court,
            )
            plan.outcome = self._choose(CLOSED_OUTCOMES)
            plan.transfer = self._pick_transfer(plan.target)
            plans.append(plan)
        return plans

    def _registration_times(self, n: int) -> list[tuple[datetime, str]]:
        rng = self.rng
        end = self.now - timedelta(minutes=30)
        start = end - timedelta(days=self.span_days)
        span = (end - start).total_seconds()
        channels, weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
        out: list[tuple[datetime, str]] = []
        while len(out) < n:
            x = rng.random()
            if rng.random() > (0.8 + 0.4 * x) / 1.2:  # a little more each month
                continue
            at = start + timedelta(seconds=x * span)
            local = timezone.localtime(at)
            if local.weekday() >= 5 and rng.random() < 0.6:
                continue
            channel = rng.choices(channels, weights)[0]
            if channel not in ROUND_THE_CLOCK:
                minute = rng.randint(8 * 60 + 30, 17 * 60 + 30)
                at = local.replace(hour=minute // 60, minute=minute % 60, second=rng.randint(0, 59))
                if at >= end:
                    continue
            out.append((at, channel))
        out.sort(key=lambda item: item[0])
        return out

    def _choose(self, weights: dict[Status, float]) -> Status:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _pick_district(self) -> District:
        weights = [city.DISTRICT_WEIGHTS[d.code] for d in city.DISTRICTS]
        return self.rng.choices(city.DISTRICTS, weights)[0]

    def _pick_top(self) -> Category:
        by_code = {c.code: c for c in self.tops}
        codes = [c for c in stories.CATEGORY_WEIGHTS if c in by_code]
        code = self.rng.choices(codes, [stories.CATEGORY_WEIGHTS[c] for c in codes])[0]
        return by_code[code]

    def _streets(self, district: District) -> list[Centre]:
        return [
            self.net.centres[f"{district.code}{i:02d}"] for i in range(1, len(district.streets) + 1)
        ]

    def _pick_centre(
        self, channel: str, district: District, top: Category
    ) -> tuple[Centre, Centre | None]:
        rng, centres = self.rng, self.net.centres
        if channel == Channel.COURT_ENTRUSTED:
            court = centres[f"{district.code}FY"]
            roll = rng.random()
            if roll < 0.5:
                return centres[f"{district.code}TJ"], court
            if roll < 0.75:
                return centres[district.code], court
            return rng.choice(self._streets(district)), court
        if rng.random() < 0.04:  # the demo street's intake officer has a queue
            return centres[DEMO_STREET], None
        committee = self.committees.get(top.code)
        if committee is not None and rng.random() < 0.15:
            return committee, None
        roll = rng.random()
        if roll < 0.01:
            return centres[city.CITY_CODE], None
        if roll < 0.11:
            return centres[district.code], None
        street = rng.choice(self._streets(district))
        if roll < 0.43:
            return street, None
        return rng.choice(self.net.children(street)), None

    def _pick_status(self, at: datetime) -> Status:
        age = (self.now - at).total_seconds() / 86400
        for below, weights in STATUS_BY_AGE:
            if age < below:
                return self._choose(weights)
        return S.CLOSED

    def _pick_transfer(self, target: Status) -> str:
        roll = self.rng.random()
        if target == S.PENDING_TRANSFER:
            return "pending_pre" if roll < 0.6 else "pending_mid"
        if target in (S.REGISTERED, S.DECLINED):
            return ""
        if roll < 0.05:
            return "pre"
        if roll < 0.06:
            return "returned"
        if roll < 0.08 and target not in (S.ACCEPTED,):
            return "mid"
        return ""

    def _age(self, plan: Plan) -> float:
        return (self.now - plan.at).total_seconds() / 86400

    def _give_demo_logins_cases(self, plans: list[Plan]) -> None:
        """The demo mediator leads open cases, and the Jiang'an court has entrusted some."""
        if len(plans) < 20:
            return
        street, net = self.net.centres[DEMO_STREET], self.net
        ja = next(d for d in city.DISTRICTS if d.code == DEMO_DISTRICT)
        recent = [p for p in reversed(plans) if 1 <= self._age(p) <= 40]
        targets = [
            S.IN_MEDIATION,
            S.IN_MEDIATION,
            S.SUSPENDED,
            S.IN_MEDIATION,
            S.RESOLVED,
            S.IN_MEDIATION,
        ]
        older = [p for p in plans if 60 <= self._age(p) <= 400][:: max(1, len(plans) // 40)]
        for plan, target in [
            *zip(recent, targets, strict=False),
            *((p, S.CLOSED) for p in older[:4]),
        ]:
            plan.centre, plan.district, plan.court = street, ja, None
            if plan.channel == Channel.COURT_ENTRUSTED:
                plan.channel = Channel.WALK_IN
            plan.target, plan.outcome, plan.transfer = target, S.RESOLVED, ""
            plan.demo_lead = plan.locked = True
        free = [p for p in plans if not p.locked]
        if len(free) >= 3:
            court = net.centres[DEMO_COURT]
            open_now = [
                p for p in reversed(free) if p.target == S.IN_MEDIATION and self._age(p) >= 2
            ]
            picks = [free[len(free) // 3], free[(2 * len(free)) // 3], *open_now[:1]]
            for plan in picks:
                plan.channel, plan.court, plan.district = Channel.COURT_ENTRUSTED, court, ja
                plan.centre = net.centres[f"{DEMO_DISTRICT}TJ"]
                plan.locked = True

    def _show_every_status(self, plans: list[Plan]) -> None:
        """Make sure each status has a few cases, borrowing from the most common ones."""
        if len(plans) < 30:
            return
        minimum = max(2, len(plans) // 250)
        counts = Counter(p.target for p in plans)
        for status in Status:
            window = QUOTA_AGE[status]
            while counts[status] < minimum:
                donors = {s for s, c in counts.items() if c > 2 * minimum and s != status}
                pool = [p for p in reversed(plans) if not p.locked and p.target in donors]
                if window is None:
                    pool.reverse()
                    pool = pool[len(pool) // 4 :]
                else:
                    near = [p for p in pool if self._age(p) <= window]
                    pool = near or [p for p in pool if self._age(p) <= window * 3] or pool
                if not pool:
                    break
                plan = pool[0]
                counts[plan.target] -= 1
                counts[status] += 1
                plan.target, plan.locked = status, True
                plan.transfer = self._pick_transfer(status)
                if status == S.CLOSED:
                    plan.outcome = S.RESOLVED

    # --- running ---------------------------------------------------------------------------

    def run(self, plan: Plan) -> None:
        """Make one case: lay out its steps in time, then perform them through the services."""
        st = _State(plan, self._content(plan))
        for at, action in self.steps(st):
            try:
                action(at)
            except DomainError as exc:
                self.stats["steps refused"] += 1
                self.stats[f"refused: {type(exc).__name__}: {exc} {exc.fields}"] += 1
                break
        self.stats["cases"] += 1

    def steps(self, st: _State) -> list[tuple[datetime, Callable[[datetime], None]]]:
        """The case's steps laid out in time, those before ``limit``, in order."""
        line = Schedule(self.rng)
        self._build(st, line)
        line.lay_out(st.plan.at, self.limit)
        tail = self._tail(st, line)
        steps = [(t, p.action) for t, p in zip(line.times, line.points, strict=False) if p.action]
        steps += tail
        return list(itertools.takewhile(lambda step: step[0] < self.limit, steps))

    def _build(self, st: _State, line: Schedule) -> None:
        plan, rng = st.plan, self.rng
        target = plan.target
        line.add(timedelta(0), lambda at: self._register(st, at), snap="")
        if target == S.DECLINED:
            line.add(_hours(rng, 1, 30), lambda at: self._decline(st, at))
            return
        accepted_by_transfer = False
        if plan.transfer in ("pre", "returned", "pending_pre"):
            destination = self._transfer_target(plan.centre, plan.category, up_only=False)
            if destination is not None:
                line.add(_hours(rng, 0.5, 20), self._transferring(st, destination))
                if plan.transfer == "pending_pre":
                    return
                if plan.transfer == "returned":
                    line.add(_hours(rng, 2, 60), lambda at: self._return(st, at))
                else:  # the receiver's acceptance of the transfer puts the case in "accepted"
                    line.add(_hours(rng, 2, 60), lambda at: self._accept_transfer(st, at))
                    accepted_by_transfer = True
        if target == S.REGISTERED:
            return
        if not accepted_by_transfer:
            line.add(_hours(rng, 1, 40), lambda at: self._do(st, "accept", self._director(st), at))
        if target == S.ACCEPTED:
            return
        withdrawing = target == S.WITHDRAWN or (target == S.CLOSED and plan.outcome == S.WITHDRAWN)
        if withdrawing and rng.random() < 0.3:
            line.add(_days(rng, 1, 10), lambda at: self._withdraw(st, at))
            if target == S.CLOSED:
                line.add(_days(rng, 1, 8), lambda at: self._close(st, at))
            return
        line.add(_hours(rng, 1, 40), lambda at: self._assign(st, at))
        held = rng.choices([0, 1, 2], [20, 60, 20])[0]
        if target == S.PENDING_TRANSFER:
            held = min(held, 1)
        agreed_at_session = plan.transfer != "mid" and S.RESOLVED in (target, plan.outcome)
        for number in range(1, held + 1):
            self._session(st, line, held=True, agreed=agreed_at_session and number == held)
        if plan.transfer in ("mid", "pending_mid"):
            escalation = self._transfer_target(plan.centre, plan.category, up_only=True)
            if escalation is None and plan.transfer == "pending_mid":
                escalation = self._transfer_target(plan.centre, plan.category, up_only=False)
            if escalation is not None:
                line.add(_days(rng, 1, 5), self._transferring(st, escalation))
                if plan.transfer == "pending_mid":
                    return
                line.add(_hours(rng, 3, 48), lambda at: self._accept_transfer(st, at))
                line.add(_hours(rng, 2, 40), lambda at: self._assign(st, at))
                self._session(st, line, held=True, agreed=S.RESOLVED in (target, plan.outcome))
        if target == S.PENDING_TRANSFER:  # no transfer was possible from here: leave it be
            return
        if target == S.SUSPENDED or (target not in (S.IN_MEDIATION,) and rng.random() < 0.05):
            line.add(_days(rng, 1, 5), lambda at: self._suspend(st, at))
            if target == S.SUSPENDED:
                return
            line.add(_days(rng, 5, 40), lambda at: self._do(st, "resume", self._worker(st), at))
        if target == S.IN_MEDIATION:
            if rng.random() < 0.6:
                line.recent = self._session(st, line, held=False)
            return
        outcome = plan.outcome if target == S.CLOSED else target
        gap = _hours(rng, 0.2, 3) if held else _days(rng, 1, 10)
        if outcome == S.RESOLVED:
            st.resolve_index = line.add(gap, lambda at: self._resolve(st, at))
        elif outcome == S.FAILED:
            line.add(gap, lambda at: self._fail(st, at))
        else:
            line.add(gap, lambda at: self._withdraw(st, at))
        if target == S.CLOSED:
            line.add(_days(rng, 1, 10), lambda at: self._close(st, at))

    def _session(self, st: _State, line: Schedule, *, held: bool, agreed: bool = False) -> int:
        """Book a session (its start and end are the next two points); record it if ``held``.

        Returns the booking's index on the schedule.
        """
        rng = self.rng
        booked = line.add(_hours(rng, 1, 24), lambda at: self._book(st, line, booked, at))
        line.add(_days(rng, 1, 6), snap="slot")
        line.add(timedelta(minutes=rng.choice([60, 90, 120, 150])), fixed=True, snap="")
        if held:
            line.add(_hours(rng, 0.2, 3), lambda at: self._record_session(st, at, agreed))
        return booked

    def _tail(
        self, st: _State, line: Schedule
    ) -> list[tuple[datetime, Callable[[datetime], None]]]:
        """After closing: fulfilment recorded once its deadline has passed, the follow-up visit."""
        plan, rng = st.plan, self.rng
        if plan.target != S.CLOSED or plan.outcome != S.RESOLVED or st.resolve_index is None:
            return []
        closed_on = timezone.localdate(line.times[-1])
        st.deadline = timezone.localdate(line.times[st.resolve_index]) + timedelta(
            days=st.content.days
        )
        st.fulfilment = rng.choices(
            [Fulfilment.FULFILLED, Fulfilment.PARTLY, Fulfilment.NOT_FULFILLED], [90, 7, 3]
        )[0]
        tail: list[tuple[datetime, Callable[[datetime], None]]] = []
        if st.deadline > closed_on and rng.random() < 0.85:
            at = self._office_at(st.deadline + timedelta(days=rng.randint(1, 10)))
            tail.append((at, lambda at: self._record_fulfilment(st, at)))
        if rng.random() < 0.9:
            at = self._office_at(closed_on + timedelta(days=30 + rng.randint(-5, 10)))
            tail.append((at, lambda at: self._follow_up(st, at)))
        return sorted(tail, key=lambda item: item[0])

    def _office_at(self, day: date) -> datetime:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        minute = self.rng.randint(9 * 60, 17 * 60)
        return timezone.make_aware(datetime.combine(day, time(minute // 60, minute % 60)))

    # --- what a case is about --------------------------------------------------------------

    def _content(self, plan: Plan) -> Content:
        rng, people, story = self.rng, self.people, plan.story
        where = self.net.places[plan.centre.pk]
        district = plan.district
        street = where.street if where.district is district and where.street else None
        street = street or rng.choice(district.streets)
        if where.village:
            location = people.village_address(district, street.name_zh, where.village)
            place = where.village
        else:
            location = people.address(district, street.name_zh)
            place = where.estate or people.estate()

        parties = [self._applicant(plan, location)]
        if (
            plan.category.code
            in (
                "wage_arrears",
                "construction_contract",
                "common_areas",
                "pollution",
                "noise_industrial",
            )
            and rng.random() < 0.5
        ):
            for _ in range(rng.randint(1, 3)):
                parties.append(self._person(PartyRole.APPLICANT, district, street.name_zh))
        parties.append(self._respondent(plan, district, street.name_zh))
        if plan.category.code in ("traffic_injury", "traffic_property") and rng.random() < 0.4:
            parties.append(self._organisation(PartyRole.THIRD_PARTY, people.insurer(), district))
        elif plan.category.code == "inheritance" and rng.random() < 0.25:
            parties.append(self._person(PartyRole.THIRD_PARTY, district, street.name_zh))

        low, high = story.amount or (500, 5000)
        figure = Decimal(round(math.exp(rng.uniform(math.log(low), math.log(high))), -2) or 100)
        amount = figure if story.amount and rng.random() < story.amount_share else None
        agreed = figure
        if rng.random() < 0.55:  # the parties met somewhere below the claim
            agreed = Decimal(round(float(figure) * rng.uniform(0.5, 0.95), -2) or 100)
        agreed = agreed.quantize(Decimal("0.01"))
        days = rng.choice([7, 10, 15, 15, 30, 30, 30, 60, 90])
        respondent = next(p for p in parties if p.role == PartyRole.RESPONDENT)
        values = {"a": parties[0].name, "b": respondent.name, "place": place, "days": days}
        claimed = {**values, "amount": yuan(figure)}
        return Content(
            parties=parties,
            summary=story.summary.format(**claimed)[:200],
            facts=story.facts.format(**claimed),
            location=location,
            amount=amount.quantize(Decimal("0.01")) if amount is not None else None,
            terms=story.terms.format(**values, amount=yuan(agreed)),
            agreed=agreed if "{amount}" in story.terms else None,
            days=days,
        )

    def _applicant(self, plan: Plan, location: str) -> PartyData:
        code = plan.category.code
        if code in ("enterprise_debt", "enterprise_contract") or (
            code == "sale_contract" and self.rng.random() < 0.5
        ):
            return self._organisation(PartyRole.APPLICANT, self.people.company(), plan.district)
        return self._person(PartyRole.APPLICANT, plan.district, "", address=location)

    def _respondent(self, plan: Plan, district: District, street_zh: str) -> PartyData:
        people = self.people
        kind = plan.story.respondent
        if kind == "person":
            return self._person(PartyRole.RESPONDENT, district, street_zh)
        name = {
            "company": people.company,
            "property": people.property_company,
            "shop": people.shop,
            "hospital": lambda: people.hospital(district),
            "contractor": lambda: f"武汉{people.brand()}建筑劳务有限公司",
        }[kind]()
        return self._organisation(PartyRole.RESPONDENT, name, district)

    def _person(
        self, role: str, district: District, street_zh: str, *, address: str = ""
    ) -> PartyData:
        rng, people = self.rng, self.people
        name, male = people.person_name()
        born = people.birth_date()
        id_number = people.id_number(male, born) if rng.random() < 0.95 else ""
        phone = people.mobile() if rng.random() < 0.97 else ""
        return PartyData(
            name=name,
            role=role,
            kind=PartyKind.PERSON,
            id_number=id_number,
            phone=phone,
            address=address or people.address(district, street_zh),
            agent=people.lawyer() if rng.random() < 0.08 else "",
            document_type=DocumentType.RESIDENT_ID if id_number else "",
            gender=Gender.MALE if male else Gender.FEMALE,
            ethnicity=people.ethnicity(),
            # What the ID number gives; a person without one told it at the window, or not.
            birth_date=born if id_number or rng.random() < 0.5 else None,
            # About three in five agree to text reminders of their sessions (decided from the
            # name, not the random stream, so the rest of the demo stays as it was).
            sms_consent=bool(phone) and sum(map(ord, name)) % 5 < 3,
        )

    def _organisation(self, role: str, name: str, district: District) -> PartyData:
        rng, people = self.rng, self.people
        id_number = people.credit_code(district.division) if rng.random() < 0.8 else ""
        return PartyData(
            name=name,
            role=role,
            kind=PartyKind.ORGANISATION,
            id_number=id_number,
            phone=people.landline() if rng.random() < 0.7 else people.mobile(),
            address=people.address(district),
            agent=people.lawyer() if rng.random() < 0.4 else f"{people.person_name()[0]}（员工）",
            document_type=DocumentType.CREDIT_CODE if id_number else "",
            legal_representative=people.person_name()[0],
        )

    # --- the steps -------------------------------------------------------------------------

    def _director(self, st: _State) -> User:
        assert st.case is not None
        return self.net.director_for(st.case.centre)

    def _worker(self, st: _State) -> User:
        if st.lead is not None and st.lead.pk in self.net.mediator_users:
            return self.net.mediator_users[st.lead.pk]
        return self._director(st)

    def _do(self, st: _State, name: str, actor: User, at: datetime, **data: Any) -> None:
        assert st.case is not None
        st.case = workflow.transition(case=st.case, name=name, actor=actor, data=data, at=at)

    def registrar(self, plan: Plan, at: datetime) -> tuple[User, str, date | None]:
        """Who registers the case, and for a court-entrusted one the court's number and the day
        it entrusted the case."""
        if plan.court is None:
            return self.net.intake_for(plan.centre), "", None
        entrusted_on = timezone.localdate(at) - timedelta(days=self.rng.randint(0, 6))
        key = (plan.court.pk, entrusted_on.year)
        self.court_numbers[key] += self.rng.randint(1, 30)
        code = self.net.places[plan.court.pk].district.court_number_code
        court_number = f"（{entrusted_on.year}）{code}民诉前调{self.court_numbers[key]}号"
        return self.net.liaisons[plan.court.pk], court_number, entrusted_on

    def _register(self, st: _State, at: datetime) -> None:
        plan, content = st.plan, st.content
        actor, court_number, entrusted_on = self.registrar(plan, at)
        st.case = register_case(
            actor=actor,
            centre=plan.centre,
            channel=plan.channel,
            category=plan.category,
            summary=content.summary,
            parties=content.parties,
            facts=content.facts,
            amount_in_dispute=content.amount,
            location=content.location,
            risk_level=plan.risk,
            entrusting_court=plan.court,
            court_case_number=court_number,
            entrusted_on=entrusted_on,
            at=at,
        )
        self.stats["registered"] += 1

    def _decline(self, st: _State, at: datetime) -> None:
        reason = self.rng.choice(stories.DECLINE_REASONS)
        self._do(st, "decline", self._director(st), at, reason=reason)

    def _transfer_target(
        self, centre: Centre, category: Category, *, up_only: bool
    ) -> Centre | None:
        """Where a case at ``centre`` might be sent: up to the parent, down, or across."""
        net, rng = self.net, self.rng
        parent = net.parent(centre)
        if up_only:
            if centre.kind == CentreKind.PROFESSIONAL or parent is None:
                return None
            return parent if parent.level >= CentreLevel.DISTRICT else None
        options: list[tuple[Centre, int]] = []
        assert category.parent is not None
        committee = self.committees.get(category.parent.code)
        if committee is not None and centre.kind != CentreKind.PROFESSIONAL:
            options.append((committee, 3))
        if centre.level == CentreLevel.COMMUNITY and parent is not None:
            options.append((parent, 5))
        elif centre.level == CentreLevel.STREET and parent is not None:
            options += [(rng.choice(net.children(centre)), 4), (parent, 2)]
        elif centre.kind == CentreKind.COMPREHENSIVE and centre.level == CentreLevel.DISTRICT:
            streets = [c for c in net.children(centre) if c.level == CentreLevel.STREET]
            options.append((rng.choice(streets), 3))
        elif centre.kind == CentreKind.COURT_ROOM and parent is not None:
            options.append((parent, 2))
        if not options:
            return None
        return rng.choices([c for c, _ in options], [w for _, w in options])[0]

    def _transferring(self, st: _State, destination: Centre) -> Callable[[datetime], None]:
        return lambda at: self._transfer(st, destination, at)

    def _transfer(self, st: _State, destination: Centre, at: datetime) -> None:
        assert st.case is not None
        direction = workflow.direction_between(st.case.centre, destination)
        reason = {
            "up": self.rng.choice(stories.TRANSFER_UP_REASONS),
            "down": stories.TRANSFER_DOWN_REASON,
        }.get(direction, stories.TRANSFER_ACROSS_REASON)
        self._do(
            st, "transfer", self._director(st), at, target_centre=destination.pk, reason=reason
        )
        self.stats["transfers"] += 1

    def _receiver(self, st: _State) -> User:
        assert st.case is not None and st.case.transfer_target is not None
        return self.net.director_for(st.case.transfer_target)

    def _accept_transfer(self, st: _State, at: datetime) -> None:
        self._do(st, "accept_transfer", self._receiver(st), at)
        st.lead, st.co = None, []

    def _return(self, st: _State, at: datetime) -> None:
        reason = self.rng.choice(stories.RETURN_REASONS)
        self._do(st, "return_transfer", self._receiver(st), at, reason=reason)

    def _pool(self, centre: Centre) -> list[Mediator]:
        net = self.net
        own = net.mediators.get(centre.pk, []) + net.seated.get(centre.pk, [])
        if own and self.rng.random() < 0.85:
            return own
        above = [
            m
            for a in net.ancestors(centre)
            if a.kind == CentreKind.COMPREHENSIVE and a.level >= CentreLevel.DISTRICT
            for m in net.mediators.get(a.pk, [])
        ]
        return above or own

    def _assign(self, st: _State, at: datetime) -> None:
        assert st.case is not None
        rng, centre = self.rng, st.case.centre
        pool = self._pool(centre)
        leads = rng.sample(pool, min(4, len(pool)))
        demo = self.demo_mediator
        if centre.is_within(self.net.centres[DEMO_STREET]) and (
            st.plan.demo_lead or (centre.code == DEMO_STREET and rng.random() < 0.5)
        ):
            leads.insert(0, demo)
        co = rng.sample(pool, 1) if len(pool) > 1 and rng.random() < 0.2 else []
        error: InvalidInput | None = None
        for lead in leads:
            others = [m for m in co if m.pk != lead.pk]
            try:
                self._do(
                    st,
                    "assign",
                    self._director(st),
                    at,
                    lead_mediator=lead.pk,
                    co_mediators=[m.pk for m in others],
                )
            except InvalidInput as exc:  # capacity or a declared conflict: the next one
                self.stats["assignments retried"] += 1
                error = exc
                continue
            st.lead, st.co = lead, others
            return
        raise error or InvalidInput(fields={"lead_mediator": ["No mediator serves here."]})

    def session_result(self, agreed: bool) -> tuple[str, str]:
        """The minutes and result of a session held: an agreement, or one of the others."""
        if agreed:
            return stories.SESSION_RESULTS[2]
        return self.rng.choice([stories.SESSION_RESULTS[i] for i in (0, 1, 3)])

    def session_mode(self) -> str:
        return self.rng.choices(
            [SessionMode.IN_PERSON, SessionMode.PHONE, SessionMode.VIDEO], [80, 8, 12]
        )[0]

    def _book(self, st: _State, line: Schedule, index: int, at: datetime) -> None:
        case, rng = st.case, self.rng
        if case is None or case.status not in BOOKABLE or st.lead is None:
            return
        starts_at, ends_at = line.times[index + 1], line.times[index + 2]
        mode = self.session_mode()
        rooms = self.net.rooms.get(case.centre_id, []) if mode == SessionMode.IN_PERSON else []
        if not st.parties:
            st.parties = list(case.parties.all())
        choices: list[Any] = [rng.choice(rooms), None] if rooms else [None]
        for room in choices:
            here = mode == SessionMode.IN_PERSON and room is None
            try:
                st.session = book_session(
                    case=case,
                    actor=self._worker(st),
                    starts_at=starts_at,
                    ends_at=ends_at,
                    mediators=[st.lead, *st.co],
                    room=room,
                    place=case.centre.address if here else "",
                    mode=mode,
                    parties_present=st.parties,
                    at=at,
                )
            except DoubleBooking:
                self.stats["double bookings avoided"] += 1
                continue
            self.stats["sessions"] += 1
            return
        st.session = None

    def _record_session(self, st: _State, at: datetime, agreed: bool) -> None:
        if st.session is None:
            return
        minutes, result = self.session_result(agreed)
        record_session(
            session=st.session, actor=self._worker(st), minutes=minutes, result=result, at=at
        )
        st.session = None

    def _suspend(self, st: _State, at: datetime) -> None:
        reason = self.rng.choice(stories.SUSPEND_REASONS)
        self._do(st, "suspend", self._worker(st), at, reason=reason)

    def _resolve(self, st: _State, at: datetime) -> None:
        content, rng = st.content, self.rng
        signed = timezone.localdate(at)
        agreement = {
            "terms": content.terms,
            "amount_agreed": content.agreed,
            "form": AgreementForm.ORAL if rng.random() < 0.12 else AgreementForm.WRITTEN,
            "signed_on": signed,
            "effective_on": signed,
            "performance_deadline": signed + timedelta(days=content.days),
        }
        self._do(st, "resolve", self._worker(st), at, agreement=agreement)

    def _fail(self, st: _State, at: datetime) -> None:
        if st.plan.category.parent and st.plan.category.parent.code == "labour":
            guidance = FailGuidance.ARBITRATION
        else:
            guidance = self.rng.choices(
                [FailGuidance.LITIGATION, FailGuidance.ADMINISTRATIVE, FailGuidance.OTHER],
                [70, 15, 15],
            )[0]
        note = stories.FAIL_NOTES[guidance]
        self._do(st, "fail", self._worker(st), at, guidance=guidance, note=note)

    def _withdraw(self, st: _State, at: datetime) -> None:
        reason = self.rng.choice(stories.WITHDRAW_REASONS)
        self._do(st, "withdraw", self._worker(st), at, reason=reason)

    def _close(self, st: _State, at: datetime) -> None:
        assert st.case is not None
        data: dict[str, Any] = {}
        due = st.deadline
        if (
            st.case.status == S.RESOLVED
            and due is not None
            and due <= timezone.localdate(at)
            and self.rng.random() < 0.85
        ):
            data["fulfilment"] = st.fulfilment
            st.fulfilment_recorded = True
        self._do(st, "close", self._director(st), at, **data)

    def _record_fulfilment(self, st: _State, at: datetime) -> None:
        assert st.case is not None
        agreement = Agreement.objects.get(case_id=st.case.pk)
        record_fulfilment(
            agreement=agreement, actor=self._worker(st), fulfilment=st.fulfilment, at=at
        )
        st.fulfilment_recorded = True

    def _follow_up(self, st: _State, at: datetime) -> None:
        assert st.case is not None
        follow_up = FollowUp.objects.filter(case_id=st.case.pk, done_at__isnull=True).first()
        if follow_up is None:
            return
        method, fulfilment, satisfaction, note = self._visit(st, at)
        record_follow_up(
            follow_up=follow_up,
            actor=self._worker(st),
            contact_method=method,
            fulfilment=fulfilment,
            satisfaction=satisfaction,
            note=note,
            at=at,
        )
        self.stats["follow-ups"] += 1

    def _visit(self, st: _State, at: datetime) -> tuple[str, str, int, str]:
        """What a follow-up visit at ``at`` finds: contact, fulfilment, satisfaction and note."""
        rng = self.rng
        known = st.fulfilment_recorded or (
            st.deadline is not None and st.deadline < timezone.localdate(at)
        )
        fulfilment = st.fulfilment if known else Fulfilment.PENDING
        satisfaction = rng.choices(
            *{
                Fulfilment.FULFILLED: ([5, 4, 3], [65, 30, 5]),
                Fulfilment.PENDING: ([5, 4, 3], [55, 38, 7]),
                Fulfilment.PARTLY: ([4, 3, 2], [50, 40, 10]),
                Fulfilment.NOT_FULFILLED: ([3, 2, 1], [40, 40, 20]),
            }[Fulfilment(fulfilment)]
        )[0]
        method = rng.choices(
            [
                ContactMethod.PHONE,
                ContactMethod.VISIT,
                ContactMethod.AT_CENTRE,
                ContactMethod.ONLINE,
            ],
            [70, 20, 5, 5],
        )[0]
        return method, fulfilment, satisfaction, rng.choice(stories.FOLLOW_UP_NOTES[fulfilment])
