"""From facts to counter rows: the centres above each fact, and the changes gathered in memory."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from ...models import Centre, CentreKind, CentreLevel, Dimension
from ...models.reports import STOCK_MEASURES
from ..periods import add_months
from .facts import Duration, Fact

# The columns that key a ``Rollup`` row.
KEY_COLUMNS = ("centre_id", "subtree", "month", "dimension", "value")


def level_key(centre: Centre) -> str:
    """Where in the network: professional committees apart, otherwise the centre's level."""
    if centre.kind == CentreKind.PROFESSIONAL:
        return "professional"
    return CentreLevel(centre.level).name.lower()


class Tree:
    """The centres that facts name, with their ancestors: enough to expand facts to rows."""

    def __init__(self, centres: Iterable[Centre]) -> None:
        self.by_path: dict[str, int] = {}
        self.paths: dict[int, str] = {}
        self.levels: dict[int, str] = {}
        for centre in centres:
            self.by_path[centre.path] = centre.pk
            self.paths[centre.pk] = centre.path
            self.levels[centre.pk] = level_key(centre)

    @classmethod
    def around(cls, centre_ids: set[int], known: Iterable[Centre] = ()) -> "Tree":
        """The centres ``centre_ids`` and everything above them, in two queries (one when the
        ``known`` centres already read hold every path)."""
        found = {c.pk: c.path for c in known if c.pk in centre_ids}
        missing = centre_ids - found.keys()
        if missing:
            found.update(Centre.objects.filter(pk__in=missing).values_list("pk", "path"))
        paths = list(found.values())
        prefixes = {p[: i + 1] for p in paths for i, ch in enumerate(p) if ch == "/"}
        return cls(Centre.objects.filter(path__in=prefixes).only("pk", "path", "level", "kind"))

    def ancestors(self, centre: int) -> list[int]:
        """The centre and every centre above it."""
        path = self.paths[centre]
        return [self.by_path[path[: i + 1]] for i, ch in enumerate(path) if ch == "/"]


Key = tuple[int, bool, date, str, str]


def _row_keys(fact: Fact, tree: Tree) -> Iterator[Key]:
    dims = fact.state.dimensions()
    yield (fact.centre, False, fact.month, Dimension.TOTAL, "")
    for dimension, value in dims.items():
        yield (fact.centre, False, fact.month, dimension, value)
    skip = set(tree.ancestors(fact.other)) if fact.other is not None else set()
    level = tree.levels[fact.centre]
    for centre in tree.ancestors(fact.centre):
        if centre in skip:
            continue
        yield (centre, True, fact.month, Dimension.TOTAL, "")
        for dimension, value in dims.items():
            yield (centre, True, fact.month, dimension, value)
        yield (centre, True, fact.month, Dimension.LEVEL, level)


class Totals:
    """Counter changes gathered in memory, keyed like the rows, before they are written."""

    def __init__(self) -> None:
        self.rows: dict[Key, dict[str, int | Decimal]] = defaultdict(dict)
        self.durations: dict[tuple[int, bool, date, int], int] = defaultdict(int)

    def add(
        self,
        found: Iterable[Fact],
        durations: Iterable[Duration],
        tree: Tree,
        stocks_through: date | None,
    ) -> None:
        for fact in found:
            months = [fact.month]
            if fact.measure in STOCK_MEASURES and stocks_through and fact.month < stocks_through:
                # Rolled months hold positions: a change there moves every later rolled month.
                months = list(_months(fact.month, stocks_through))
            for key in _row_keys(fact, tree):
                for month in months:
                    row = self.rows[(key[0], key[1], month, key[3], key[4])]
                    row[fact.measure] = row.get(fact.measure, 0) + fact.amount
        for duration in durations:
            for centre in tree.ancestors(duration.centre):
                self.durations[(centre, True, duration.month, duration.tenths)] += 1
            self.durations[(duration.centre, False, duration.month, duration.tenths)] += 1

    def nonzero_rows(self) -> list[tuple[Key, dict[str, int | Decimal]]]:
        out = []
        for key, values in sorted(self.rows.items()):
            kept = {m: v for m, v in values.items() if v}
            if kept:
                out.append((key, kept))
        return out


def _months(first: date, last: date) -> Iterator[date]:
    month = first
    while month <= last:
        yield month
        month = add_months(month, 1)
