"""Early warnings, read: what the daily run finds (``find_candidates``), the thresholds that apply
at a centre (``ThresholdTable``), and the warnings a user may read (``warnings_for``).

The run never reads every case (issue 24, DESIGN §7): each rule is one or two ``GROUP BY``
queries over the cases registered within the window (the ``case_registered_order`` index on
``registered_at``) or, for the intake surge, over the monthly counters (``Rollup``: one row per
centre and month, whatever the number of cases). Only the groups over the lowest threshold are
read row by row. docs/reports.md, "Early warnings".
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case as SqlCase
from django.db.models import Count, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Lower, Replace, Trim
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from ..access import scope_of, visible_cases
from ..models import (
    OPEN_STATUSES,
    Case,
    Category,
    Centre,
    Dimension,
    EarlyWarning,
    Membership,
    Party,
    PartyKind,
    PartyRole,
    Role,
    Rollup,
    WarningRule,
    WarningStatus,
    WarningThreshold,
)
from ..reports.periods import add_months, current_month, format_month, month_end, month_start
from .filters import IdFilter

# How many months before this one make a place's usual level.
SURGE_MONTHS = 6


@dataclass(frozen=True)
class Thresholds:
    cluster_cases: int
    cluster_days: int
    group_applicants: int
    person_open_cases: int
    surge_factor_percent: int
    surge_minimum: int

    @classmethod
    def defaults(cls) -> "Thresholds":
        return cls(
            cluster_cases=settings.WARNING_CLUSTER_CASES,
            cluster_days=settings.WARNING_CLUSTER_DAYS,
            group_applicants=settings.WARNING_GROUP_APPLICANTS,
            person_open_cases=settings.WARNING_PERSON_OPEN_CASES,
            surge_factor_percent=settings.WARNING_SURGE_PERCENT,
            surge_minimum=settings.WARNING_SURGE_MINIMUM,
        )


FIELDS = tuple(Thresholds.__dataclass_fields__)


class ThresholdTable:
    """Every centre's settings, read once (a few rows): a centre's thresholds are, each, the first
    value set walking up from it, the settings' default when none is."""

    def __init__(self) -> None:
        self.default = Thresholds.defaults()
        self.by_path: dict[str, dict[str, int]] = {}
        for row in WarningThreshold.objects.select_related("centre"):
            values = {f: getattr(row, f) for f in FIELDS if getattr(row, f) is not None}
            self.by_path[row.centre.path] = values
        self._cache: dict[str, Thresholds] = {}

    def at(self, path: str) -> Thresholds:
        found = self._cache.get(path)
        if found is not None:
            return found
        values: dict[str, int] = {}
        steps = [s for s in path.split("/") if s]
        for depth in range(len(steps), 0, -1):  # the centre itself first, then upwards
            for name, value in self.by_path.get("/".join(steps[:depth]) + "/", {}).items():
                values.setdefault(name, value)
        found = replace(self.default, **values)
        self._cache[path] = found
        return found

    def lowest(self, name: str) -> int:
        """The lowest value of a threshold anywhere: a group below it fires nowhere."""
        return min(
            [getattr(self.default, name)] + [v[name] for v in self.by_path.values() if name in v]
        )

    def longest_window(self) -> int:
        return max(
            [self.default.cluster_days]
            + [v["cluster_days"] for v in self.by_path.values() if "cluster_days" in v]
        )


@dataclass
class Candidate:
    """One occasion a rule fires on: ``subject`` names what it is about, ``key`` the occasion;
    ``repeat_days``: a warning of the same subject raised within so many days is the same
    occasion (its new cases join it)."""

    rule: str
    subject: str
    key: str
    centre: Centre
    case_ids: list[int]
    data: dict[str, Any]
    repeat_days: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _names(obj: Category | Centre) -> dict[str, str]:
    return {"zh": obj.name_zh, "en": obj.name_en or obj.name_zh}


def _common_path(paths: Iterable[str]) -> str:
    """The lowest centre whose subtree holds every one of ``paths``."""
    split = [p.split("/")[:-1] for p in paths]
    common: list[str] = []
    for steps in zip(*split, strict=False):
        if len(set(steps)) != 1:
            break
        common.append(steps[0])
    return "/".join(common) + "/"


def _centres_by_path(paths: Iterable[str]) -> dict[str, Centre]:
    return {c.path: c for c in Centre.objects.filter(path__in=set(paths))}


def _day(now: datetime) -> str:
    return f"{timezone.localtime(now):%Y-%m-%d}"


def normalised_name() -> Any:
    """An organisation's name as clusters compare it: lower case, spaces (also the full-width
    one) and surrounding blanks removed."""
    return Lower(Trim(Replace(Replace("name", Value(" "), Value("")), Value("\u3000"), Value(""))))


def party_key(*, organisations_by_name: bool) -> Any:
    """Who a party is, as one text: an organisation by its normalised name (for a respondent),
    else a person or body by the keyed hash of its ID number, else of its phone; empty when
    there is none."""
    whens = []
    if organisations_by_name:
        whens.append(
            When(kind=PartyKind.ORGANISATION, then=Concat(Value("name:"), normalised_name()))
        )
    whens += [
        When(~Q(id_number_hash=""), then=Concat(Value("id:"), "id_number_hash")),
        When(~Q(phone_hash=""), then=Concat(Value("phone:"), "phone_hash")),
    ]
    return SqlCase(*whens, default=Value(""))


def _masked(party: dict[str, Any]) -> str:
    return str(party["id_number_masked"] or party["phone_masked"] or party["name"])


# --- The rules ---------------------------------------------------------------------------------


def place_clusters(table: ThresholdTable, now: datetime) -> list[Candidate]:
    """N or more cases of one category registered at one place (the registering centre: the
    community or street where the dispute was brought) within the window."""
    since = now - timedelta(days=table.longest_window())
    recent = Case.objects.filter(registered_at__gte=since, registered_at__lte=now)
    groups = list(
        recent.values("registering_centre_id", "category_id")
        .annotate(n=Count("id"))
        .filter(n__gte=table.lowest("cluster_cases"))
        .values_list("registering_centre_id", "category_id")
    )
    if not groups:
        return []
    match = Q(pk__in=[])
    for place_id, category_id in groups:
        match |= Q(registering_centre_id=place_id, category_id=category_id)
    rows = recent.filter(match).values_list(
        "pk", "registering_centre_id", "category_id", "registered_at"
    )
    by_group: dict[tuple[int, int], list[tuple[int, datetime]]] = defaultdict(list)
    for pk, place_id, category_id, at in rows:
        by_group[(place_id, category_id)].append((pk, at))
    places = Centre.objects.in_bulk({p for p, _c in by_group})
    categories = Category.objects.in_bulk({c for _p, c in by_group})
    found = []
    for (place_id, category_id), cases in sorted(by_group.items()):
        place = places[place_id]
        limits = table.at(place.path)
        within = sorted(pk for pk, at in cases if at >= now - timedelta(days=limits.cluster_days))
        if len(within) < limits.cluster_cases:
            continue
        subject = f"{WarningRule.PLACE_CLUSTER}:{place_id}:{category_id}"
        found.append(
            Candidate(
                rule=WarningRule.PLACE_CLUSTER,
                subject=subject,
                key=f"{subject}:{_day(now)}",
                centre=place,
                case_ids=within,
                repeat_days=limits.cluster_days,
                data={
                    "count": len(within),
                    "days": limits.cluster_days,
                    "threshold": limits.cluster_cases,
                    "place": _names(place),
                    "place_id": place_id,
                    "category": _names(categories[category_id]),
                    "category_id": category_id,
                },
            )
        )
    return found


def respondent_clusters(table: ThresholdTable, now: datetime) -> list[Candidate]:
    """N or more cases of one category against one respondent (the same organisation name,
    normalised, or the same keyed ID number or phone) registered within the window, wherever in
    the city; raised at the lowest centre whose subtree handles them all."""
    since = now - timedelta(days=table.longest_window())
    respondents = Party.objects.filter(
        role=PartyRole.RESPONDENT, case__registered_at__gte=since, case__registered_at__lte=now
    ).annotate(who=party_key(organisations_by_name=True))
    groups = list(
        respondents.exclude(who="")
        .values("who", "case__category_id")
        .annotate(n=Count("case_id", distinct=True))
        .filter(n__gte=table.lowest("cluster_cases"))
        .values_list("who", "case__category_id")
    )
    if not groups:
        return []
    match = Q(pk__in=[])
    for who, category_id in groups:
        match |= Q(who=who, case__category_id=category_id)
    rows = respondents.filter(match).values(
        "who", "case_id", "case__category_id", "case__registered_at", "case__centre__path",
        "name", "id_number_masked", "phone_masked",
    )  # fmt: skip
    by_group: dict[tuple[str, int], dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        by_group[(row["who"], row["case__category_id"])][row["case_id"]] = row
    categories = Category.objects.in_bulk({c for _w, c in by_group})
    found = []
    for (who, category_id), cases in sorted(by_group.items()):
        limits = table.at(_common_path(r["case__centre__path"] for r in cases.values()))
        start = now - timedelta(days=limits.cluster_days)
        within = {pk: r for pk, r in cases.items() if r["case__registered_at"] >= start}
        if len(within) < limits.cluster_cases:
            continue
        first = within[min(within)]
        respondent = first["name"] if who.startswith("name:") else _masked(first)
        found.append(
            Candidate(
                rule=WarningRule.RESPONDENT_CLUSTER,
                subject=f"{WarningRule.RESPONDENT_CLUSTER}:{who}:{category_id}"[:180],
                key="",
                centre=Centre(path=_common_path(r["case__centre__path"] for r in within.values())),
                case_ids=sorted(within),
                repeat_days=limits.cluster_days,
                data={
                    "count": len(within),
                    "days": limits.cluster_days,
                    "threshold": limits.cluster_cases,
                    "respondent": respondent,
                    "category": _names(categories[category_id]),
                    "category_id": category_id,
                },
            )
        )
    return found


def group_disputes(table: ThresholdTable, now: datetime) -> list[Candidate]:
    """A case registered within the window with N or more parties on the applicant side."""
    since = now - timedelta(days=table.longest_window())
    rows = list(
        Party.objects.filter(
            role=PartyRole.APPLICANT, case__registered_at__gte=since, case__registered_at__lte=now
        )
        .values("case_id", "case__number", "case__centre__path")
        .annotate(n=Count("id"))
        .filter(n__gte=table.lowest("group_applicants"))
        .order_by("case_id")
    )
    found = []
    for row in rows:
        limits = table.at(row["case__centre__path"])
        if row["n"] < limits.group_applicants:
            continue
        subject = f"{WarningRule.GROUP_DISPUTE}:{row['case_id']}"
        found.append(
            Candidate(
                rule=WarningRule.GROUP_DISPUTE,
                subject=subject,
                key=subject,
                centre=Centre(path=row["case__centre__path"]),
                case_ids=[row["case_id"]],
                data={
                    "count": row["n"],
                    "threshold": limits.group_applicants,
                    "number": row["case__number"],
                },
            )
        )
    return found


def repeat_people(table: ThresholdTable, now: datetime) -> list[Candidate]:
    """A person (the same keyed ID number, else phone) who is a party to N or more open cases,
    one of them registered within the window: the people of the recent cases are looked up by
    their hashes (indexed), not every party of every open case."""
    since = now - timedelta(days=table.longest_window())
    people = Party.objects.filter(kind=PartyKind.PERSON)
    recent = people.filter(case__registered_at__gte=since, case__registered_at__lte=now)
    opened = people.filter(case__status__in=sorted(OPEN_STATUSES))
    # Two queries, each a semi-join on its hash's index (an OR of the two would scan every party).
    by_id = opened.filter(
        id_number_hash__in=recent.exclude(id_number_hash="").values("id_number_hash")
    )
    by_phone = opened.filter(
        id_number_hash="",
        phone_hash__in=recent.filter(id_number_hash="").exclude(phone_hash="").values("phone_hash"),
    )
    lowest = table.lowest("person_open_cases")
    rows: list[dict[str, Any]] = []
    for found_by, column in ((by_id, "id_number_hash"), (by_phone, "phone_hash")):
        hashes = list(
            found_by.values(column)
            .annotate(n=Count("case_id", distinct=True))
            .filter(n__gte=lowest)
            .values_list(column, flat=True)
        )
        if hashes:
            rows += found_by.filter(**{f"{column}__in": hashes}).annotate(
                who=Concat(Value("id:" if column == "id_number_hash" else "phone:"), column)
            ).values(
                "who", "case_id", "case__centre__path", "name", "id_number_masked",
                "phone_masked",
            )  # fmt: skip
    if not rows:
        return []
    by_person: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        by_person[row["who"]][row["case_id"]] = row
    found = []
    for who, cases in sorted(by_person.items()):
        path = _common_path(r["case__centre__path"] for r in cases.values())
        limits = table.at(path)
        if len(cases) < limits.person_open_cases:
            continue
        found.append(
            Candidate(
                rule=WarningRule.REPEAT_PERSON,
                subject=f"{WarningRule.REPEAT_PERSON}:{who}"[:180],
                key="",
                centre=Centre(path=path),
                case_ids=sorted(cases),
                repeat_days=limits.cluster_days,
                data={
                    "count": len(cases),
                    "threshold": limits.person_open_cases,
                    "person": _masked(cases[min(cases)]),
                },
            )
        )
    return found


def _rounded(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def intake_surges(table: ThresholdTable, now: datetime) -> list[Candidate]:
    """A place whose intake this month is at least the factor times its mean over the previous
    ``SURGE_MONTHS`` months, and at least the minimum: read from the monthly counters (each
    centre's own ``received``), one row per centre and month."""
    month = current_month(now)
    first = add_months(month, -SURGE_MONTHS)
    counts: dict[int, dict[Any, int]] = defaultdict(dict)
    for centre_id, at, received in Rollup.objects.filter(
        subtree=False, dimension=Dimension.TOTAL, value="", month__gte=first, month__lte=month
    ).values_list("centre_id", "month", "received"):
        counts[centre_id][at] = received
    lowest = table.lowest("surge_minimum")
    busy = {c: m for c, m in counts.items() if m.get(month, 0) >= lowest}
    if not busy:
        return []
    centres = Centre.objects.in_bulk(busy)
    found = []
    for centre_id, months in sorted(busy.items()):
        place = centres[centre_id]
        limits = table.at(place.path)
        this = months.get(month, 0)
        mean = Decimal(sum(n for m, n in months.items() if m != month)) / SURGE_MONTHS
        if this < limits.surge_minimum or this * 100 < mean * limits.surge_factor_percent:
            continue
        subject = f"{WarningRule.INTAKE_SURGE}:{centre_id}:{format_month(month)}"
        found.append(
            Candidate(
                rule=WarningRule.INTAKE_SURGE,
                subject=subject,
                key=subject,
                centre=place,
                case_ids=[],
                data={
                    "count": this,
                    "month": format_month(month),
                    "mean": _rounded(mean),
                    "ratio": _rounded(this / mean) if mean else "—",
                    "months": SURGE_MONTHS,
                    "factor": _rounded(Decimal(limits.surge_factor_percent) / 100),
                    "minimum": limits.surge_minimum,
                    "place": _names(place),
                    "place_id": centre_id,
                },
                extra={"month_start": month_start(month), "month_end": month_end(month)},
            )
        )
    return found


def surge_case_ids(candidate: Candidate) -> list[int]:
    """The cases a surge warning links: the month's cases registered at the place."""
    return list(
        Case.objects.filter(
            registering_centre=candidate.centre,
            registered_at__gte=candidate.extra["month_start"],
            registered_at__lt=candidate.extra["month_end"],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


RULES = (place_clusters, respondent_clusters, group_disputes, repeat_people, intake_surges)


def find_candidates(now: datetime | None = None) -> list[Candidate]:
    """What every rule finds now, each with its centre loaded."""
    now = now or timezone.now()
    table = ThresholdTable()
    found = [c for rule in RULES for c in rule(table, now)]
    centres = _centres_by_path(c.centre.path for c in found if c.centre.pk is None)
    day = _day(now)
    for candidate in found:
        if candidate.centre.pk is None:
            candidate.centre = centres[candidate.centre.path]
        if not candidate.key:
            candidate.key = f"{candidate.subject}:{day}"
        if candidate.rule == WarningRule.INTAKE_SURGE:
            candidate.case_ids = surge_case_ids(candidate)
    return found


# --- Reading warnings -------------------------------------------------------------------------


class WarningFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=WarningStatus.choices, distinct=False)
    rule = filters.MultipleChoiceFilter(choices=WarningRule.choices, distinct=False)
    centre = IdFilter(method="filter_centre", label=_("centre: warnings there or below it"))

    class Meta:
        model = EarlyWarning
        fields: list[str] = []

    def filter_centre(
        self, queryset: QuerySet[EarlyWarning], name: str, value: Any
    ) -> QuerySet[EarlyWarning]:
        path = Centre.objects.filter(pk=value).values_list("path", flat=True).first()
        return queryset.filter(centre__path__startswith=path) if path else queryset.none()


def warning_centres(user: User | AnonymousUser) -> QuerySet[Centre]:
    """Centres whose warnings ``user`` reads and handles: every one for an administrator, the
    subtrees a director directs; none for anyone else."""
    scope = scope_of(user)
    if scope.is_admin:
        return Centre.objects.all()
    q = Q(pk__in=[])
    for centre in scope.centres(Role.DIRECTOR):
        q |= Q(path__startswith=centre.path)
    return Centre.objects.filter(q)


def can_handle_warnings(user: User | AnonymousUser) -> bool:
    """Directors and administrators see the warning list."""
    scope = scope_of(user)
    return scope.is_admin or bool(scope.centres(Role.DIRECTOR))


def warnings_for(user: User | AnonymousUser) -> QuerySet[EarlyWarning]:
    """The warnings ``user`` reads, newest first, each with its centre, who acted and whom it is
    assigned to, and only the linked cases the user may see (one query for a page's cases)."""
    if not isinstance(user, User):
        return EarlyWarning.objects.none()
    scope = scope_of(user)
    found = EarlyWarning.objects.all()
    if not scope.is_admin:
        found = found.filter(centre__in=warning_centres(user))
    cases = visible_cases(user).select_related("centre").order_by("pk")
    return (
        found.select_related("centre", "acted_by", "assigned_to")
        .prefetch_related(Prefetch("cases", queryset=cases))
        .order_by("-raised_at", "-pk")
    )


def assignable_users(warning: EarlyWarning) -> QuerySet[User]:
    """Whom a warning may be assigned to: active users who work at its centre, below it, or at a
    centre above it (the street's staff for a community's warning)."""
    centre = warning.centre
    members = Membership.objects.filter(
        Q(centre__path__startswith=centre.path) | Q(centre__code__in=centre.ancestor_codes())
    )
    return User.objects.filter(is_active=True, pk__in=members.values("user_id")).order_by(
        "username"
    )


def linked_case_count(warnings: Sequence[EarlyWarning]) -> dict[int, int]:
    """How many cases each of ``warnings`` links in all (the reader may see fewer)."""
    through = EarlyWarning.cases.through
    rows = (
        through.objects.filter(earlywarning_id__in=[w.pk for w in warnings])
        .values("earlywarning_id")
        .annotate(n=Count("case_id"))
    )
    return {row["earlywarning_id"]: row["n"] for row in rows}
