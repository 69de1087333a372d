"""The counters of many cases at once, added up in SQL (PostgreSQL): for rebuilds and bulk data."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import connection

from ...bulkload import copy_rows
from ...models import Centre, DurationBucket, Rollup
from ...models.reports import AMOUNT_MEASURES, MEASURES
from .facts import Duration, Fact
from .rows import KEY_COLUMNS, Tree

MEASURE_INDEX = {measure: i for i, measure in enumerate(MEASURES)}


class BulkCounters:
    """The counters of many cases at once, on PostgreSQL: the facts go to temporary tables by
    COPY, and ``finish`` adds them up in SQL into ``Rollup`` and ``DurationBucket`` rows (added to
    what is there). Used by ``rebuild`` and ``generate_city``; the rows are exactly those that
    ``Totals`` makes, computed without a Python step per row.

    Subtree rows are summed bottom-up, one tree level at a time (a centre's subtree row is its
    own row plus its children's subtree rows), except transfers, whose subtree rows stop below the
    lowest centre above both sides (``rows._row_keys``).
    """

    FACT_COLUMNS = (
        "measure", "month", "centre_id", "category", "channel", "risk_level", "mediator",
        "amount", "other",
    )  # fmt: skip
    FLUSH_AT = 200_000

    def __init__(self) -> None:
        self.facts: list[tuple[Any, ...]] = []
        self.spans: list[tuple[date, int, int]] = []
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE tally_fact (measure smallint, month date, centre_id integer, "
                "category text, channel text, risk_level text, mediator text, amount bigint, "
                "other integer)"
            )
            cursor.execute(
                "CREATE TEMPORARY TABLE tally_span (month date, centre_id integer, tenths integer)"
            )

    def add(self, found: Iterable[Fact], durations: Iterable[Duration]) -> None:
        facts, index = self.facts, MEASURE_INDEX
        for fact in found:
            state = fact.state
            mediator = state.lead_mediator
            # Whole numbers in SQL: amounts in cents (they have two decimal places).
            amount = int(fact.amount * 100) if fact.measure in AMOUNT_MEASURES else fact.amount
            facts.append(
                (index[fact.measure], fact.month, fact.centre, str(state.category), state.channel,
                 state.risk_level, "" if mediator is None else str(mediator), amount, fact.other)
            )  # fmt: skip
        self.spans.extend((d.month, d.centre, d.tenths) for d in durations)
        if len(facts) >= self.FLUSH_AT:
            self.write()

    def write(self) -> None:
        copy_rows("tally_fact", list(self.FACT_COLUMNS), self.facts)
        copy_rows("tally_span", ["month", "centre_id", "tenths"], self.spans)
        self.facts, self.spans = [], []

    def finish(self, *, fresh: bool = False) -> None:
        """Add the facts gathered to the counters. ``fresh``: the counter tables are empty, so the
        rows are inserted as they are (no upsert)."""
        self.write()
        tree = Tree(Centre.objects.only("pk", "path", "level", "kind"))
        up = [(c, a) for c in tree.paths for a in tree.ancestors(c)]
        nodes = []
        for centre, path in tree.paths.items():
            chain = tree.ancestors(centre)
            parent = chain[-2] if len(chain) > 1 else None
            nodes.append((centre, parent, path.count("/"), tree.levels[centre]))
        depth = max((n[2] for n in nodes), default=0)
        rollup = connection.ops.quote_name(Rollup._meta.db_table)
        buckets = connection.ops.quote_name(DurationBucket._meta.db_table)
        dims = (
            "(VALUES ('total', ''), ('category', f.category), ('channel', f.channel), "
            "('risk_level', f.risk_level), ('mediator', f.mediator)) AS d (dim, val)"
        )
        with connection.cursor() as cursor:
            run = cursor.execute
            run("SET LOCAL work_mem = '256MB'")
            run("CREATE TEMPORARY TABLE tally_up (centre_id integer, ancestor_id integer)")
            copy_rows("tally_up", ["centre_id", "ancestor_id"], up)
            run(
                "CREATE TEMPORARY TABLE tally_node "
                "(centre_id integer PRIMARY KEY, parent_id integer, depth integer, level text)"
            )
            copy_rows("tally_node", ["centre_id", "parent_id", "depth", "level"], nodes)
            run("ANALYZE tally_fact")
            run("ANALYZE tally_up")
            run("ANALYZE tally_node")
            # The centre's own rows, every dimension; transfers ("moved") kept apart.
            run(
                "CREATE TEMPORARY TABLE tally_own AS "
                "SELECT f.centre_id, n.depth, n.level, f.month, d.dim, d.val, f.measure, "
                "sum(f.amount) AS amount, f.other IS NOT NULL AS moved "
                f"FROM tally_fact f JOIN tally_node n USING (centre_id) CROSS JOIN LATERAL {dims} "
                "GROUP BY 1, 2, 3, 4, 5, 6, 7, 9"
            )
            # Subtree rows from the deepest level up: a centre's own rows (and its level as one
            # more dimension) plus its children's subtree rows.
            run(
                "CREATE TEMPORARY TABLE tally_sub (centre_id integer, depth integer, month date, "
                "dim text, val text, measure smallint, amount bigint)"
            )
            for level in range(depth, 0, -1):
                run(
                    "INSERT INTO tally_sub "
                    "SELECT centre_id, %(depth)s, month, dim, val, measure, sum(amount) FROM ("
                    " SELECT centre_id, month, dim, val, measure, amount FROM tally_own"
                    " WHERE depth = %(depth)s AND NOT moved"
                    " UNION ALL"
                    " SELECT centre_id, month, 'level', level, measure, amount FROM tally_own"
                    " WHERE depth = %(depth)s AND NOT moved AND dim = 'total'"
                    " UNION ALL"
                    " SELECT n.parent_id, s.month, s.dim, s.val, s.measure, s.amount"
                    " FROM tally_sub s JOIN tally_node n USING (centre_id)"
                    " WHERE s.depth = %(depth)s + 1"
                    ") AS rows GROUP BY centre_id, month, dim, val, measure",
                    {"depth": level},
                )
            # Transfers: every centre above the one counted, but not above the other side too.
            run(
                "INSERT INTO tally_sub "
                "SELECT u.ancestor_id, 0, f.month, d.dim, d.val, f.measure, sum(f.amount) "
                "FROM tally_fact f JOIN tally_up u ON u.centre_id = f.centre_id "
                "JOIN tally_node n ON n.centre_id = f.centre_id "
                "CROSS JOIN LATERAL (VALUES ('total', ''), ('category', f.category), "
                "('channel', f.channel), ('risk_level', f.risk_level), ('mediator', f.mediator), "
                "('level', n.level)) AS d (dim, val) "
                "WHERE f.other IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tally_up o "
                "WHERE o.centre_id = f.other AND o.ancestor_id = u.ancestor_id) "
                "GROUP BY 1, 2, 3, 4, 5, 6"
            )
            sums = ", ".join(
                f"COALESCE(sum(amount) FILTER (WHERE measure = {i}), 0)"
                for i, _ in enumerate(MEASURES)
            )
            measures = ", ".join(
                f"{m}::numeric / 100" if m in AMOUNT_MEASURES else m for m in MEASURES
            )
            updates = ", ".join(f"{m} = {rollup}.{m} + EXCLUDED.{m}" for m in MEASURES)
            upsert = (
                ""
                if fresh
                else f"ORDER BY 1, 2, 3, 4, 5 ON CONFLICT ({', '.join(KEY_COLUMNS)}) "
                f"DO UPDATE SET {updates}"
            )
            columns = ", ".join([*KEY_COLUMNS, *MEASURES])
            # One row per key with a measure that is not zero (as ``Totals.nonzero_rows``).
            nonzero = " OR ".join(f"{m} <> 0" for m in MEASURES)
            run(
                f"INSERT INTO {rollup} ({columns}) "
                f"SELECT {', '.join(KEY_COLUMNS)}, {measures} FROM ("
                f" SELECT centre_id, subtree, month, dim, val, {sums} FROM ("
                "  SELECT centre_id, false AS subtree, month, dim, val, measure, amount"
                "  FROM tally_own"
                "  UNION ALL"
                "  SELECT centre_id, true, month, dim, val, measure, amount FROM tally_sub"
                " ) AS rows GROUP BY 1, 2, 3, 4, 5"
                f") AS pivoted ({', '.join(KEY_COLUMNS)}, {', '.join(MEASURES)}) "
                f"WHERE {nonzero} {upsert}"
            )
            run(
                f"INSERT INTO {buckets} (centre_id, subtree, month, tenths, count) "
                "SELECT centre_id, subtree, month, tenths, count(*) FROM ("
                " SELECT centre_id, false AS subtree, month, tenths FROM tally_span"
                " UNION ALL"
                " SELECT u.ancestor_id, true, s.month, s.tenths"
                " FROM tally_span s JOIN tally_up u ON u.centre_id = s.centre_id"
                ") AS rows GROUP BY 1, 2, 3, 4 "
                + (
                    ""
                    if fresh
                    else "ORDER BY 1, 2, 3, 4 ON CONFLICT (centre_id, subtree, month, tenths) "
                    f"DO UPDATE SET count = {buckets}.count + EXCLUDED.count"
                )
            )
            for table in ("fact", "span", "up", "node", "own", "sub"):
                run(f"DROP TABLE tally_{table}")
