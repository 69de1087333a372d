"""Factories and helpers that build test data the way the product does.

Centres get a consistent ``path``/``depth`` through ``cases.services.centres.place``; cases are
registered through ``cases.services.intake.register_case`` and moved only by
``cases.workflow.transition``, so their numbers, versions and events are real.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from cases import access, identity, workflow
from cases.models import (
    Case,
    Category,
    Centre,
    CentreKind,
    CentreLevel,
    Channel,
    FailGuidance,
    Mediator,
    MediatorKind,
    Membership,
    PartyRole,
    Role,
    Room,
    Status,
)
from cases.services import centres, intake
from cases.services.intake import PartyData

User = get_user_model()


# --- Factories ----------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory[Any]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    is_active = True
    # An unusable password: hashing a real one costs ~0.3 s per user.
    password = factory.LazyFunction(lambda: make_password(None))


class CentreFactory(factory.django.DjangoModelFactory[Centre]):
    """A centre placed in the tree: ``CentreFactory.create(parent=d1)`` sets path and depth."""

    class Meta:
        model = Centre

    code = factory.Sequence(lambda n: f"C{n:04d}")
    name_zh = factory.Sequence(lambda n: f"调解中心{n}")
    name_en = factory.Sequence(lambda n: f"Mediation centre {n}")
    parent = None
    level = factory.LazyAttribute(
        lambda o: min((o.parent.depth + 1) if o.parent else 1, CentreLevel.GRID)
    )
    kind = CentreKind.COMPREHENSIVE

    @classmethod
    def _create(cls, model_class: type[Centre], *args: Any, **kwargs: Any) -> Centre:
        parent = kwargs.pop("parent", None)
        centre = model_class(**kwargs)
        centres.place(centre, parent)
        centre.save()
        return centre


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    centre = factory.SubFactory(CentreFactory)
    role = Role.DIRECTOR

    @classmethod
    def _create(cls, model_class: type[Membership], *args: Any, **kwargs: Any) -> Membership:
        membership = super()._create(model_class, *args, **kwargs)
        # The user's scope is cached on the user object; a new membership must be seen at once.
        access.forget_scope(membership.user)
        return membership


class MediatorFactory(factory.django.DjangoModelFactory[Mediator]):
    class Meta:
        model = Mediator

    name = factory.Sequence(lambda n: f"调解员{n}")
    home_centre = factory.SubFactory(CentreFactory)
    kind = MediatorKind.FULL_TIME
    user = None
    capacity = 10

    @classmethod
    def _create(cls, model_class: type[Mediator], *args: Any, **kwargs: Any) -> Mediator:
        mediator = super()._create(model_class, *args, **kwargs)
        if mediator.user is not None:
            access.forget_scope(mediator.user)
        return mediator


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"category-{n}")
    name_zh = factory.Sequence(lambda n: f"纠纷类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    parent = None


class RoomFactory(factory.django.DjangoModelFactory[Room]):
    class Meta:
        model = Room

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"调解室{n}")


def seeded_category(code: str = "noise") -> Category:
    """A category seeded by migration 0002 (re-created if a transactional test flushed it)."""
    found = Category.objects.filter(code=code).first()
    if found is not None:
        return found
    parent = CategoryFactory.create(code="neighbours", name_zh="邻里纠纷", name_en="Neighbours")
    return CategoryFactory.create(code=code, name_zh="噪音扰民", name_en="Noise", parent=parent)


# --- Registering and driving cases --------------------------------------------------------------


def resident_id(body: str) -> str:
    """A resident ID number: ``body`` (17 digits) and its GB 11643 check character."""
    return body + identity.resident_id_check(body)


def credit_code(body: str) -> str:
    """A unified social credit code: ``body`` (17 characters) and its GB 32100 check character."""
    return body + identity.credit_code_check(body)


APPLICANT = PartyData(
    name="张三",
    role=PartyRole.APPLICANT,
    id_number="420106198001011237",
    phone="138 1234 5678",
)
RESPONDENT = PartyData(name="李四", role=PartyRole.RESPONDENT, phone="13900001111")


def register(
    *,
    actor: Any,
    centre: Centre,
    parties: Sequence[PartyData] = (APPLICANT, RESPONDENT),
    channel: str = Channel.WALK_IN,
    category: Category | None = None,
    summary: str = "楼上噪音扰民",
    at: datetime | None = None,
    **extra: Any,
) -> Case:
    """Register a case through the intake service."""
    return intake.register_case(
        actor=actor,
        centre=centre,
        channel=channel,
        category=category or seeded_category(),
        summary=summary,
        parties=parties,
        at=at,
        **extra,
    )


def register_entrusted(*, actor: Any, centre: Centre, court: Centre, **extra: Any) -> Case:
    return register(
        actor=actor,
        centre=centre,
        channel=Channel.COURT_ENTRUSTED,
        entrusting_court=court,
        court_case_number="(2026)鄂0102民诉前调1号",
        entrusted_on=extra.pop("entrusted_on", timezone.localdate()),
        **extra,
    )


def agreement_data(**overrides: Any) -> dict[str, Any]:
    return {
        "agreement": {"terms": "楼上住户晚十点后不再施工。", "amount_agreed": "500.00", **overrides}
    }


# The transitions that lead from ``registered`` to each status (performed by ``drive``).
PATHS: dict[str, list[str]] = {
    Status.REGISTERED: [],
    Status.ACCEPTED: ["accept"],
    Status.DECLINED: ["decline"],
    Status.IN_MEDIATION: ["accept", "assign"],
    Status.SUSPENDED: ["accept", "assign", "suspend"],
    Status.RESOLVED: ["accept", "assign", "resolve"],
    Status.FAILED: ["accept", "assign", "fail"],
    Status.WITHDRAWN: ["accept", "withdraw"],
    Status.CLOSED: ["accept", "assign", "fail", "close"],
    Status.PENDING_TRANSFER: ["transfer"],
}


def data_for(
    name: str, *, mediator: Mediator | None = None, target: Centre | None = None
) -> dict[str, Any]:
    """Valid data for transition ``name``."""
    if name in {"decline", "suspend", "withdraw", "return_transfer"}:
        return {"reason": "当事人要求"}
    if name == "assign":
        assert mediator is not None, "assign needs a mediator"
        return {"lead_mediator": mediator.pk, "co_mediators": []}
    if name == "resolve":
        return agreement_data()
    if name == "fail":
        return {"guidance": FailGuidance.LITIGATION, "note": "建议诉讼"}
    if name == "transfer":
        assert target is not None, "transfer needs a target"
        return {"target_centre": target.pk, "reason": "需上级调处"}
    if name == "extend":
        return {"days": 10, "reason": "当事人外出务工，需延期"}
    return {}


def drive(
    case: Case,
    status: str,
    *,
    actor: Any,
    mediator: Mediator | None = None,
    target: Centre | None = None,
    at: datetime | None = None,
) -> Case:
    """Move ``case`` from ``registered`` to ``status`` through real transitions."""
    assert case.status == Status.REGISTERED, "drive starts from a newly registered case"
    for name in PATHS[status]:
        case = workflow.transition(
            case=case,
            name=name,
            actor=actor,
            data=data_for(name, mediator=mediator, target=target),
            at=at,
        )
    return case


# --- The small tree -----------------------------------------------------------------------------


@dataclass
class Tree:
    """City C → districts D1, D2 → streets S1 (D1), S2 (D2) → community K1 (S1); a court under D1."""

    c: Centre
    d1: Centre
    d2: Centre
    s1: Centre
    s2: Centre
    k1: Centre
    court: Centre
    admin: Any
    director_c: Any
    director_d1: Any
    director_d2: Any
    observer_d1: Any
    intake_s1: Any
    mediator_s1_user: Any
    mediator_s1b_user: Any
    mediator_s2_user: Any
    court_liaison: Any
    med_s1: Mediator
    med_s1b: Mediator
    med_s2: Mediator
    med_c: Mediator
    cases: dict[str, Case] = field(default_factory=dict)

    @property
    def centres(self) -> list[Centre]:
        return [self.c, self.d1, self.d2, self.s1, self.s2, self.k1, self.court]

    @property
    def users(self) -> dict[str, Any]:
        return {
            "admin": self.admin,
            "director_c": self.director_c,
            "director_d1": self.director_d1,
            "director_d2": self.director_d2,
            "observer_d1": self.observer_d1,
            "intake_s1": self.intake_s1,
            "mediator_s1": self.mediator_s1_user,
            "mediator_s1b": self.mediator_s1b_user,
            "mediator_s2": self.mediator_s2_user,
            "court_liaison": self.court_liaison,
        }

    def mediator_for(self, centre: Centre) -> Mediator:
        """A mediator who serves at ``centre``."""
        if centre.is_within(self.s1):
            return self.med_s1
        if centre.is_within(self.s2):
            return self.med_s2
        return self.med_c


_suffixes: Iterator[int] = count(1)


def unique_suffix() -> str:
    """A short suffix that keeps centre codes unique when several trees share one database."""
    return f"X{next(_suffixes)}"


def build_tree(suffix: str = "") -> Tree:
    """The small tree with its users and mediators (no cases). Codes: WH, JA, JH, JA01, ..."""

    def centre(code: str, parent: Centre | None, level: int, **extra: Any) -> Centre:
        return CentreFactory.create(code=f"{code}{suffix}", parent=parent, level=level, **extra)

    c = centre("WH", None, CentreLevel.CITY, name_zh="武汉市矛盾纠纷调处化解中心")
    d1 = centre("JA", c, CentreLevel.DISTRICT, name_zh="江岸区调解中心", abbreviation_zh="江岸")
    d2 = centre("JH", c, CentreLevel.DISTRICT, name_zh="江汉区调解中心", abbreviation_zh="江汉")
    s1 = centre("JA01", d1, CentreLevel.STREET, name_zh="大智街调解中心")
    s2 = centre("JH01", d2, CentreLevel.STREET, name_zh="民族街调解中心")
    k1 = centre("JA0101", s1, CentreLevel.COMMUNITY, name_zh="大智社区调委会")
    court = centre("JAFY", d1, CentreLevel.STREET, name_zh="江岸区人民法院", kind=CentreKind.COURT)

    def member(centre: Centre, role: Role, **user: Any) -> Any:
        return MembershipFactory.create(
            centre=centre, role=role, user=UserFactory.create(**user)
        ).user

    admin = UserFactory.create(is_superuser=True, is_staff=True)
    director_c = member(c, Role.DIRECTOR)
    director_d1 = member(d1, Role.DIRECTOR)
    director_d2 = member(d2, Role.DIRECTOR)
    observer_d1 = member(d1, Role.OBSERVER)
    intake_s1 = member(s1, Role.INTAKE)
    mediator_s1_user = member(s1, Role.MEDIATOR)
    mediator_s1b_user = member(s1, Role.MEDIATOR)
    mediator_s2_user = member(s2, Role.MEDIATOR)
    court_liaison = member(court, Role.COURT_LIAISON)
    med_s1 = MediatorFactory.create(name="王调解", home_centre=s1, user=mediator_s1_user)
    med_s1b = MediatorFactory.create(name="赵调解", home_centre=s1, user=mediator_s1b_user)
    med_s2 = MediatorFactory.create(name="孙调解", home_centre=s2, user=mediator_s2_user)
    # A city-level mediator without a login: serves everywhere, never at capacity.
    med_c = MediatorFactory.create(
        name="钱老", home_centre=c, capacity=1000, kind=MediatorKind.LOCAL_NOTABLE
    )
    return Tree(
        c=c,
        d1=d1,
        d2=d2,
        s1=s1,
        s2=s2,
        k1=k1,
        court=court,
        admin=admin,
        director_c=director_c,
        director_d1=director_d1,
        director_d2=director_d2,
        observer_d1=observer_d1,
        intake_s1=intake_s1,
        mediator_s1_user=mediator_s1_user,
        mediator_s1b_user=mediator_s1b_user,
        mediator_s2_user=mediator_s2_user,
        court_liaison=court_liaison,
        med_s1=med_s1,
        med_s1b=med_s1b,
        med_s2=med_s2,
        med_c=med_c,
    )


def populate_cases(tree: Tree) -> dict[str, Case]:
    """Some cases at each centre, in known states. Registered in this order, so numbered 1, 2, ...

    ============ ========== ================================================================
    label        centre     state
    ============ ========== ================================================================
    c_open       C          registered
    d1_open      D1         registered
    d1_accepted  D1         accepted, no mediator
    d1_court     D1         registered, entrusted by the court
    d2_open      D2         registered
    s1_queue     S1         registered, no mediator (the S1 queue)
    s1_mine      S1         in mediation, lead mediator med_s1
    s1_other     S1         in mediation, lead mediator med_s1b
    s1_co        S1         in mediation, lead med_s1b, co-mediator med_s1
    s1_declined  S1         declined (no mediator, but not open)
    s2_assigned  S2         in mediation, lead mediator med_s2
    s2_court     S2         registered, entrusted by the court (set to serve D1 and S2)
    k1_open      K1         registered, no mediator (not in the S1 queue: another centre)
    ============ ========== ================================================================
    """
    admin = tree.admin
    cases: dict[str, Case] = {}
    cases["c_open"] = register(actor=admin, centre=tree.c)
    cases["d1_open"] = register(actor=admin, centre=tree.d1)
    cases["d1_accepted"] = drive(
        register(actor=admin, centre=tree.d1), Status.ACCEPTED, actor=admin
    )
    cases["d1_court"] = register_entrusted(actor=admin, centre=tree.d1, court=tree.court)
    cases["d2_open"] = register(actor=admin, centre=tree.d2)
    cases["s1_queue"] = register(actor=admin, centre=tree.s1)
    cases["s1_mine"] = drive(
        register(actor=admin, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=admin,
        mediator=tree.med_s1,
    )
    cases["s1_other"] = drive(
        register(actor=admin, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=admin,
        mediator=tree.med_s1b,
    )
    co = drive(register(actor=admin, centre=tree.s1), Status.ACCEPTED, actor=admin)
    cases["s1_co"] = workflow.transition(
        case=co,
        name="assign",
        actor=admin,
        data={"lead_mediator": tree.med_s1b.pk, "co_mediators": [tree.med_s1.pk]},
    )
    cases["s1_declined"] = drive(
        register(actor=admin, centre=tree.s1), Status.DECLINED, actor=admin
    )
    cases["s2_assigned"] = drive(
        register(actor=admin, centre=tree.s2),
        Status.IN_MEDIATION,
        actor=admin,
        mediator=tree.med_s2,
    )
    # The court serves D1 (its parent) by default; set to serve S2 as well, so that one court's
    # liaison follows cases in two districts.
    tree.court.served_areas.set([tree.d1, tree.s2])
    cases["s2_court"] = register_entrusted(actor=admin, centre=tree.s2, court=tree.court)
    cases["k1_open"] = register(actor=admin, centre=tree.k1)
    tree.cases = cases
    return cases


def aware(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A time in the default time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def local_year() -> int:
    return timezone.localdate().year


# --- Cases for list filters: the tree's cases plus three that differ in every filtered field ----

# The labels of ``populate_cases`` plus those ``add_filter_cases`` adds.
CITY_LABELS = {
    "c_open", "d1_open", "d1_accepted", "d1_court", "d2_open", "s1_queue", "s1_mine", "s1_other",
    "s1_co", "s1_declined", "s2_assigned", "s2_court", "k1_open", "water", "loan", "overdue",
}  # fmt: skip


def category(code: str) -> Category:
    """A category seeded by migration 0002."""
    found = Category.objects.filter(code=code).first()
    assert found is not None, f"category {code} is seeded by migration 0002"
    return found


def add_filter_cases(tree: Tree) -> None:
    """Add to the populated tree's cases (all "noise", walk-in or court-entrusted, normal risk,
    registered now):

    - ``water``: K1, water leak, hotline, high risk, registered 60 days ago, party 欧阳修 with
      phone 13800138000 (no ID number);
    - ``loan``: S2, private loan, grid report, attention, registered 10 days ago;
    - ``overdue``: S1, passage and daylight (under neighbours, like noise), accepted 45 days ago,
      past its deadline.
    """
    now = timezone.now()
    tree.cases["water"] = register(
        actor=tree.admin,
        centre=tree.k1,
        category=category("water_leak"),
        channel="hotline",
        risk_level="high",
        at=now - timedelta(days=60),
        parties=[PartyData(name="欧阳修", role=PartyRole.APPLICANT, phone="13800138000")],
    )
    tree.cases["loan"] = register(
        actor=tree.admin,
        centre=tree.s2,
        category=category("loan"),
        channel="grid",
        risk_level="attention",
        at=now - timedelta(days=10),
    )
    late = register(
        actor=tree.admin,
        centre=tree.s1,
        category=category("right_of_way"),
        at=now - timedelta(days=46),
    )
    tree.cases["overdue"] = workflow.transition(
        case=late, name="accept", actor=tree.admin, at=now - timedelta(days=45)
    )


def end_of(year: int, month: int, day: int) -> datetime:
    """The last instant of a day in the default time zone (Asia/Shanghai): a deadline counted in
    working days ends there (docs/deadlines.md)."""
    return aware(year, month, day, 23, 59).replace(second=59, microsecond=999999)
