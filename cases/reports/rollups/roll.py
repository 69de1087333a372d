"""Rolling the stock positions forward, month by month, under the roll lock."""

from datetime import date

from django.db import connection, transaction
from django.db.models import Min

from ...models import Rollup, RollupState
from ...models.reports import MEASURES, STOCK_MEASURES
from ..periods import add_months, current_month
from .rows import KEY_COLUMNS

# The advisory lock between counter updates (shared) and the monthly roll (exclusive).
ROLL_LOCK = 0x6D656469


def lock_exclusive() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLL_LOCK])


@transaction.atomic
def roll_stocks(through: date | None = None) -> date | None:
    """Carry the stock positions forward so that every month up to ``through`` (default: the
    current month) holds its month-end position. Idempotent; returns the last rolled month."""
    lock_exclusive()
    through = through or current_month()
    state = RollupState.objects.select_for_update().order_by("pk").first()
    if state is None:
        state = RollupState.objects.create()
    rolled = state.stocks_through
    if rolled is None:
        # Nothing rolled yet: the earliest month's changes are its position.
        first = Rollup.objects.aggregate(first=Min("month"))["first"]
        rolled = first if first is not None and first <= through else through
    table = connection.ops.quote_name(Rollup._meta.db_table)
    stocks = ", ".join(STOCK_MEASURES)
    updates = ", ".join(f"{m} = {table}.{m} + EXCLUDED.{m}" for m in STOCK_MEASURES)
    nonzero = " OR ".join(f"{m} <> 0" for m in STOCK_MEASURES)
    others = [m for m in MEASURES if m not in STOCK_MEASURES]
    zeros = ", ".join("0" for _ in others)
    with connection.cursor() as cursor:
        while rolled < through:
            following = add_months(rolled, 1)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(KEY_COLUMNS)}, {stocks}, {', '.join(others)}) "
                f"SELECT centre_id, subtree, %s, dimension, value, {stocks}, {zeros} "
                f"FROM {table} WHERE month = %s AND ({nonzero}) "
                f"ORDER BY centre_id, subtree, dimension, value "
                f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET {updates}",
                [following, rolled],
            )
            rolled = following
    state.stocks_through = rolled
    state.save(update_fields=["stocks_through"])
    return rolled
