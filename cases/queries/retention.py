"""Which closed cases are past their retention period (docs/personal-data.md, "Retention and
anonymisation").

A case's period is the first retention rule found walking up from its handling centre to the
root, at each centre the rule for the case's category, then for its main category, then the
centre's general rule; ``RETENTION_YEARS`` when none is set. The case is due on the anniversary
of its closing (the day at its centre) that many years later; a case on legal hold or already
anonymised never is.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet

from .. import deadlines
from ..models import Case, Category, RetentionRule


def add_years(day: date, years: int) -> date:
    """``day`` that many years later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Rules:
    """Every retention rule, read once (a small table): ``years`` by centre path and category."""

    by_path: dict[str, dict[int | None, int]]
    parents: Mapping[int, int | None]
    default: int

    @classmethod
    def load(cls) -> "Rules":
        by_path: dict[str, dict[int | None, int]] = {}
        for path, category_id, years in RetentionRule.objects.values_list(
            "centre__path", "category_id", "years"
        ):
            by_path.setdefault(path, {})[category_id] = years
        parents = dict(Category.objects.values_list("pk", "parent_id"))
        return cls(by_path=by_path, parents=parents, default=int(settings.RETENTION_YEARS))

    @property
    def shortest(self) -> int:
        """The fewest years any rule (or the default) keeps a case."""
        return min([self.default, *(y for rules in self.by_path.values() for y in rules.values())])

    def years_for(self, case: Case) -> int:
        """The retention period of ``case`` (its ``centre`` loaded) in years after closing."""
        categories: list[int | None] = [case.category_id]
        parent = self.parents.get(case.category_id)
        if parent is not None:
            categories.append(parent)
        categories.append(None)
        for path in reversed(case.centre.ancestor_paths()):
            rules = self.by_path.get(path)
            if not rules:
                continue
            for category in categories:
                if category in rules:
                    return rules[category]
        return self.default


def retention_years(case: Case) -> int:
    """The retention period of one case, in years after its closing."""
    return Rules.load().years_for(case)


def retention_ends(case: Case, rules: Rules | None = None) -> date | None:
    """The day (at the case's centre) from which ``case`` is past retention; ``None`` while it
    is not closed."""
    if case.closed_at is None:
        return None
    rules = rules or Rules.load()
    closed_on = deadlines.local_today(case.centre, case.closed_at)
    return add_years(closed_on, rules.years_for(case))


def candidates(now: datetime, rules: Rules) -> QuerySet[Case]:
    """Closed cases not yet anonymised and not on hold, closed long enough ago that the
    shortest period may have run out, oldest closing first (index ``case_retention_due``)."""
    # A day of slack for the centres' time zones; each case is then checked exactly.
    try:
        limit = now.replace(year=now.year - rules.shortest)
    except ValueError:  # 29 February
        limit = now.replace(year=now.year - rules.shortest, day=28)
    return (
        Case.objects.filter(
            closed_at__isnull=False,
            anonymised_at__isnull=True,
            legal_hold=False,
            closed_at__lt=limit + timedelta(days=1),
        )
        .select_related("centre")
        .order_by("closed_at", "pk")
    )


def expired_cases(now: datetime, *, rules: Rules | None = None, chunk: int = 500) -> Iterator[Case]:
    """The cases past retention at ``now``, read ``chunk`` at a time (keyset pagination, so
    anonymising the ones already given does not shift the next pages)."""
    rules = rules or Rules.load()
    base = candidates(now, rules)
    after: tuple[datetime, int] | None = None
    while True:
        page = base
        if after is not None:
            closed_at, pk = after
            page = page.filter(closed_at__gt=closed_at) | page.filter(
                closed_at=closed_at, pk__gt=pk
            )
        rows = list(page[:chunk])
        if not rows:
            return
        for case in rows:
            ends = retention_ends(case, rules)
            if ends is not None and ends <= deadlines.local_today(case.centre, now):
                yield case
        last = rows[-1]
        assert last.closed_at is not None
        after = (last.closed_at, last.pk)
