"""Random case histories for the report tests: a centre tree, a hypothesis strategy of steps, and
the driver that performs them through the services at chosen times.

A step says how much time passes, which action it would like to perform and which case and values
to use (as numbers taken modulo the choices available). The driver performs the action on a case
that allows it; when none does, it performs something the picked case allows, so that almost
every step moves a case. Time only moves forward, by hours, by days (up to 40) or to exactly
00:00 on the 1st of the next month (Asia/Shanghai), so histories cross month and year ends.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import time_machine
from django.utils import timezone
from hypothesis import strategies as st

from cases import workflow
from cases.models import (
    OPEN_STATUSES,
    Agreement,
    Case,
    Category,
    Centre,
    CentreKind,
    CentreLevel,
    Channel,
    Event,
    FailGuidance,
    FollowUp,
    Fulfilment,
    JudicialConfirmation,
    Mediator,
    MediatorKind,
    RiskLevel,
    Role,
    Status,
)
from cases.services import agreements, cases, follow_ups
from tests.factories import (
    CategoryFactory,
    CentreFactory,
    MediatorFactory,
    MembershipFactory,
    Tree,
    UserFactory,
    build_tree,
    category,
)
from tests.factories import register as register_case

from .plain import ZONE, shift, start_of

START = datetime(2025, 11, 20, 9, 30, tzinfo=ZONE)
# Sub-categories under five top-level categories (two under "neighbours"), and a top-level
# category without children (the report groups by top-level category).
CATEGORY_CODES = ("noise", "water_leak", "loan", "divorce", "traffic_injury", "other_general")
STANDALONE_CATEGORY = "report-standalone"


# --- The tree -----------------------------------------------------------------------------------


@dataclass
class ReportTree:
    """The small tree of ``tests.factories`` (C → D1, D2 → S1, S2 → K1; a court under D1, set to
    serve the whole city) plus a professional committee P under C and a grid G1 under K1, so that
    every level is present.

    Mediators: med_s1, med_s1b (S1, with logins), med_s2 (S2, login, also seated at D1),
    med_p (P, login), med_c (C, no login; serves everywhere). All can carry many cases.
    Users: admin, director_c (director at the city), intake_s1, the mediators' logins, and the
    court's liaison.
    """

    base: Tree
    p: Centre
    g1: Centre
    med_p: Mediator
    categories: list[Category]

    @property
    def centres(self) -> list[Centre]:
        return [*self.base.centres, self.p, self.g1]

    @property
    def mediators(self) -> list[Mediator]:
        base = self.base
        return [base.med_s1, base.med_s1b, base.med_s2, self.med_p, base.med_c]

    @property
    def admin(self) -> Any:
        return self.base.admin

    @property
    def director(self) -> Any:
        return self.base.director_c

    @property
    def court(self) -> Centre:
        return self.base.court


def build_report_tree() -> ReportTree:
    base = build_tree()
    p = CentreFactory.create(
        code="WHYL",
        parent=base.c,
        level=CentreLevel.DISTRICT,
        kind=CentreKind.PROFESSIONAL,
        name_zh="医疗纠纷人民调解委员会",
        field=category("medical"),
    )
    g1 = CentreFactory.create(
        code="JA010101", parent=base.k1, level=CentreLevel.GRID, name_zh="大智社区第一网格"
    )
    med_p_user = MembershipFactory.create(
        centre=p, role=Role.MEDIATOR, user=UserFactory.create()
    ).user
    med_p = MediatorFactory.create(
        name="周医调", home_centre=p, user=med_p_user, kind=MediatorKind.PROFESSIONAL
    )
    base.med_s2.seats.add(base.d1)
    # The court serves the whole city here, so that court-entrusted cases (and transfers to the
    # court) arise at every level; by default it would serve D1 only.
    base.court.served_areas.set([base.c])
    Mediator.objects.filter(
        pk__in=[base.med_s1.pk, base.med_s1b.pk, base.med_s2.pk, med_p.pk]
    ).update(capacity=1000)
    standalone = CategoryFactory.create(
        code=STANDALONE_CATEGORY, name_zh="单列纠纷", name_en="Standalone"
    )
    categories = [category(code) for code in CATEGORY_CODES] + [standalone]
    return ReportTree(base=base, p=p, g1=g1, med_p=med_p, categories=categories)


# --- Steps --------------------------------------------------------------------------------------

ACTIONS = (
    "register",
    "accept",
    "decline",
    "assign",
    "suspend",
    "resume",
    "extend",
    "transfer",
    "accept_transfer",
    "return_transfer",
    "resolve",
    "fail",
    "withdraw",
    "close",
    "record_fulfilment",
    "record_follow_up",
    "edit",
    "judicial_confirmation",
)
# How often a step asks for each action (registering more often, so that there are cases).
WEIGHTS = {"register": 5, "accept": 2, "assign": 2, "resolve": 3, "close": 2, "transfer": 2}
# The actions that carry a case along its life, preferred when the one asked for is impossible.
FORWARD = frozenset(
    {
        "accept",
        "assign",
        "resolve",
        "fail",
        "withdraw",
        "resume",
        "accept_transfer",
        "close",
        "record_fulfilment",
        "record_follow_up",
        "judicial_confirmation",
    }
)

UNLOGGED = frozenset({"number", "parties", "reason", "decline_reason", "outcome_note"})

NEXT_MONTH = None  # a gap of ``None``: to 00:00 on the 1st of the next month


@dataclass(frozen=True)
class Step:
    gap: timedelta | None
    action: str
    pick: int  # which case (modulo the cases that allow the action)
    options: tuple[int, ...]  # the values to use (each modulo its choices)


gaps = st.one_of(
    st.integers(min_value=60, max_value=72 * 60).map(lambda m: timedelta(minutes=m)),
    st.builds(
        lambda d, m: timedelta(days=d, minutes=m),
        st.integers(min_value=1, max_value=40),
        st.integers(min_value=0, max_value=24 * 60 - 1),
    ),
    st.just(NEXT_MONTH),
)
steps = st.builds(
    Step,
    gap=gaps,
    action=st.sampled_from([a for a in ACTIONS for _ in range(WEIGHTS.get(a, 1))]),
    pick=st.integers(min_value=0, max_value=1000),
    options=st.tuples(*[st.integers(min_value=0, max_value=10**6)] * 5),
)
histories = st.lists(steps, min_size=15, max_size=40)
# After the last step, "now" comes this long after (the current, live month is now's).
final_gaps = st.one_of(
    st.integers(min_value=60, max_value=72 * 60).map(lambda m: timedelta(minutes=m)),
    st.integers(min_value=1, max_value=40).map(lambda d: timedelta(days=d, minutes=7)),
)


def advance(at: datetime, gap: timedelta | None) -> datetime:
    if gap is NEXT_MONTH:
        local = at.astimezone(ZONE)
        return start_of(shift(local.date().replace(day=1), 1))
    return at + gap


# --- Performing a history -----------------------------------------------------------------------


def choose(values: list[Any], n: int) -> Any:
    return values[n % len(values)]


@dataclass
class Driver:
    """Performs steps on ``tree`` through the services; ``log`` says what was done, for messages."""

    tree: ReportTree
    traveller: Any
    at: datetime = START
    case_ids: list[int] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def run(self, history: list[Step]) -> None:
        for step in history:
            self.at = advance(self.at, step.gap)
            self.traveller.move_to(self.at)
            self.perform(step)

    def perform(self, step: Step) -> None:
        """Perform the step's action on a case that allows it now, or else something else."""
        if step.action == "register" or not self.case_ids:
            self.register(step.options)
            return
        loaded = list(Case.objects.filter(pk__in=self.case_ids).order_by("pk"))
        willing = [c for c in loaded if self.allows(step.action, c)]
        if willing:
            self.act(step.action, choose(willing, step.pick), step.options)
            return
        # Nothing allows the action asked for: carry a case along its life instead, starting the
        # search at the picked case.
        for offset in range(len(loaded)):
            case = choose(loaded, step.pick + offset)
            possible = [a for a in ACTIONS if a != "register" and self.allows(a, case)]
            if possible:
                forward = [a for a in possible if a in FORWARD] or possible
                self.act(choose(forward, step.options[0]), case, step.options)
                return
        self.register(step.options)

    def allows(self, action: str, case: Case) -> bool:
        """May ``action`` be performed on ``case`` as it is now (by the actors the driver uses)?"""
        test = CONDITIONS.get(action)
        if test is not None:
            return test(self, case)
        return workflow.TRANSITIONS[action].possible_on(case) and (
            action != "extend" or self._clock(case) is not None
        )

    def act(self, action: str, case: Case, options: tuple[int, ...]) -> None:
        PERFORMERS[action](self, case, options)
        self.note(case)

    def note(self, case: Case) -> None:
        """Log the event just written: when, what, which case, where, and its values."""
        event = Event.objects.filter(case=case).select_related("centre").latest("at", "id")
        values = {k: v for k, v in event.after.items() if k not in UNLOGGED}
        self.log.append(
            f"{event.at.astimezone(ZONE):%Y-%m-%d %H:%M} {event.name} #{case.pk} "
            f"at {event.centre.code} {values}"
        )

    # --- Intake

    def register(self, options: tuple[int, ...]) -> None:
        tree, at = self.tree, self.at
        centre = choose([c for c in tree.centres if c.kind != CentreKind.COURT], options[0])
        extra: dict[str, Any] = {}
        channels = [c for c in Channel.values if c != Channel.COURT_ENTRUSTED]
        if options[1] % 4 == 0:
            extra = {
                "channel": Channel.COURT_ENTRUSTED,
                "entrusting_court": tree.court,
                "court_case_number": f"(2026)鄂0102民诉前调{options[1]}号",
                "entrusted_on": timezone.localdate(at) - timedelta(days=options[2] % 10),
            }
        else:
            extra = {"channel": choose(channels, options[1] // 4)}
        actor = tree.base.intake_s1 if centre == tree.base.s1 else tree.director
        case = register_case(
            actor=actor,
            centre=centre,
            category=choose(tree.categories, options[2]),
            risk_level=choose(RiskLevel.values, options[3]),
            amount_in_dispute=amount(options[4]),
            at=at,
            **extra,
        )
        self.case_ids.append(case.pk)
        self.note(case)

    # --- Transitions

    def transition(self, case: Case, name: str, actor: Any, data: dict[str, Any]) -> None:
        workflow.transition(case=case, name=name, actor=actor, data=data, at=self.at)

    def worker(self, case: Case) -> Any:
        """The lead mediator's login when there is one, else the city's director."""
        lead = case.lead_mediator
        return lead.user if lead is not None and lead.user is not None else self.tree.director

    def serving(self, case: Case) -> list[Mediator]:
        return serving(self.tree, case.centre)

    def _clock(self, case: Case) -> datetime | None:
        return case.acceptance_due_at if case.status == Status.REGISTERED else case.due_at

    def accept(self, case: Case, options: tuple[int, ...]) -> None:
        self.transition(case, "accept", self.tree.director, {})

    def decline(self, case: Case, options: tuple[int, ...]) -> None:
        self.transition(case, "decline", self.tree.director, {"reason": "不属于调解范围"})

    def assign(self, case: Case, options: tuple[int, ...]) -> None:
        mediator = choose(self.serving(case), options[1])
        data = {"lead_mediator": mediator.pk, "co_mediators": []}
        self.transition(case, "assign", self.tree.director, data)

    def suspend(self, case: Case, options: tuple[int, ...]) -> None:
        self.transition(case, "suspend", self.worker(case), {"reason": "当事人住院"})

    def resume(self, case: Case, options: tuple[int, ...]) -> None:
        self.transition(case, "resume", self.worker(case), {})

    def extend(self, case: Case, options: tuple[int, ...]) -> None:
        data = {"days": 1 + options[1] % 30, "reason": "当事人外出务工"}
        self.transition(case, "extend", self.tree.director, data)

    def transfer(self, case: Case, options: tuple[int, ...]) -> None:
        targets = [c for c in self.tree.centres if c.pk != case.centre_id]
        data = {"target_centre": choose(targets, options[1]).pk, "reason": "需其他中心调处"}
        self.transition(case, "transfer", self.tree.director, data)

    def accept_transfer(self, case: Case, options: tuple[int, ...]) -> None:
        self.transition(case, "accept_transfer", self.tree.director, {})

    def return_transfer(self, case: Case, options: tuple[int, ...]) -> None:
        self.transition(case, "return_transfer", self.tree.director, {"reason": "不属本中心"})

    def resolve(self, case: Case, options: tuple[int, ...]) -> None:
        today = timezone.localdate(self.at)
        deadline = None if options[1] % 5 == 0 else today + timedelta(days=options[1] % 75)
        agreement = {
            "terms": "双方自愿达成协议。",
            "amount_agreed": None if options[2] % 4 == 0 else str(amount(options[2], 0)),
            "performance_deadline": deadline.isoformat() if deadline else None,
        }
        self.transition(case, "resolve", self.worker(case), {"agreement": agreement})

    def fail(self, case: Case, options: tuple[int, ...]) -> None:
        data = {"guidance": choose(FailGuidance.values, options[1]), "note": ""}
        self.transition(case, "fail", self.worker(case), data)

    def withdraw(self, case: Case, options: tuple[int, ...]) -> None:
        self.transition(case, "withdraw", self.worker(case), {"reason": "申请人撤回"})

    def close(self, case: Case, options: tuple[int, ...]) -> None:
        fulfilment = ""
        if case.status == Status.RESOLVED and options[1] % 2 == 0:
            fulfilment = choose(Fulfilment.values, options[1] // 2)
        self.transition(case, "close", self.tree.director, {"fulfilment": fulfilment})

    # --- After the agreement

    def record_fulfilment(self, case: Case, options: tuple[int, ...]) -> None:
        agreement = Agreement.objects.get(case=case)
        agreements.record_fulfilment(
            agreement=agreement,
            actor=self.tree.director,
            fulfilment=choose(Fulfilment.values, options[1]),
            at=self.at,
        )

    def record_follow_up(self, case: Case, options: tuple[int, ...]) -> None:
        follow_up = FollowUp.objects.filter(case=case, done_at__isnull=True).first()
        assert follow_up is not None
        follow_ups.record_follow_up(
            follow_up=follow_up,
            actor=self.tree.director,
            contact_method="phone",
            fulfilment=choose(Fulfilment.values, options[1]),
            satisfaction=choose([None, 1, 2, 3, 4, 5], options[2]),
            at=self.at,
        )

    def judicial_confirmation(self, case: Case, options: tuple[int, ...]) -> None:
        """The court's liaison records the application (dated any day since the agreement took
        effect), then the ruling; sometimes both at once."""
        agreement = Agreement.objects.get(case=case)
        today = timezone.localdate(self.at)
        applied_on = agreement.confirmation_applied_on
        given = applied_on or between(agreement.effective_on, today, options[1])
        status = JudicialConfirmation.APPLIED
        if applied_on is not None or options[2] % 3 == 0:
            status = choose(
                [JudicialConfirmation.CONFIRMED] * 3 + [JudicialConfirmation.REJECTED], options[3]
            )
        ruling: dict[str, Any] = {}
        if status != JudicialConfirmation.APPLIED:
            ruling = {"ruling_number": f"(2026)鄂0102民特{options[4]}号"}
            ruling["ruling_on"] = between(given, today, options[4])
        agreements.record_judicial_confirmation(
            agreement=agreement,
            actor=self.tree.base.court_liaison,
            status=status,
            applied_on=None if applied_on is not None else given,
            at=self.at,
            **ruling,
        )

    def edit(self, case: Case, options: tuple[int, ...]) -> None:
        """Change the category, the risk or the amount (edits take the time from the clock)."""
        fields = options[1] % 7 + 1  # a non-empty subset of the three
        changes: dict[str, Any] = {}
        if fields & 1:
            changes["category"] = choose(self.tree.categories, options[2])
        if fields & 2:
            changes["risk_level"] = choose(RiskLevel.values, options[3])
        if fields & 4:
            changes["amount_in_dispute"] = amount(options[4])
        cases.edit_case(case=case, actor=self.tree.director, changes=changes)


def serving(tree: ReportTree, centre: Centre) -> list[Mediator]:
    """The tree's mediators serving at ``centre``: it is their home or seat, or lies below one."""
    return [
        m
        for m in tree.mediators
        if any(centre.is_within(home) for home in [m.home_centre, *m.seats.all()])
    ]


def amount(n: int, none_every: int = 5) -> Decimal | None:
    """Some yuan with fen, from a number; None every ``none_every``-th number (0: never)."""
    if none_every and n % none_every == 0:
        return None
    return Decimal(n % 5_000_000) / 100


def between(first: date, last: date, n: int) -> date:
    """A day from ``first`` to ``last`` (``last`` if ``first`` is after it)."""
    span = (last - first).days
    return last if span <= 0 else first + timedelta(days=n % (span + 1))


def _has_agreement(driver: Driver, case: Case) -> bool:
    return case.status in {Status.RESOLVED, Status.CLOSED} and case.outcome == Status.RESOLVED


def _may_confirm(driver: Driver, case: Case) -> bool:
    if case.channel != Channel.COURT_ENTRUSTED or not _has_agreement(driver, case):
        return False
    agreement = Agreement.objects.get(case=case)
    return agreement.judicial_confirmation in {
        JudicialConfirmation.NOT_APPLIED,
        JudicialConfirmation.APPLIED,
    }


# Whether a case allows each action that is not a transition (those ask the transition table).
CONDITIONS: dict[str, Callable[[Driver, Case], bool]] = {
    "record_fulfilment": _has_agreement,
    "record_follow_up": lambda driver, case: FollowUp.objects.filter(
        case=case, done_at__isnull=True
    ).exists(),
    "edit": lambda driver, case: case.status in OPEN_STATUSES,
    "judicial_confirmation": _may_confirm,
}
PERFORMERS: dict[str, Callable[[Driver, Case, tuple[int, ...]], None]] = {
    action: getattr(Driver, action) for action in ACTIONS if action != "register"
}


def perform(tree: ReportTree, history: list[Step], traveller: Any) -> Driver:
    """Perform ``history`` on ``tree`` from ``START``; the clock is left at the last step."""
    driver = Driver(tree=tree, traveller=traveller)
    driver.run(history)
    return driver


def travel(at: datetime = START) -> Any:
    return time_machine.travel(at, tick=False)
