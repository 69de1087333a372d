"""The report counters: what each change to a case adds to them, applied in the change's transaction.

Every change to a case writes exactly one event (``cases.services.events.record``), and the event
calls ``upserts.record_event`` before the transaction commits. From the event and the case's state
before and after it, ``facts.facts`` says what the change counts for — "received +1 in March at
JA01, category 7, channel walk-in …" — and the rows (``rows.Totals``) add those facts to
``Rollup`` rows: one for the centre alone and one for every centre above it (its subtree), in total
and per category, channel, risk level, mediator and (subtree rows) centre level. ``rebuild``
recomputes every counter from the raw rows with the same ``facts``, so the counters are exactly
what the events say.

Stocks (open, overdue and high-risk at a month's end) are kept as changes: entering an open state
adds 1 in the month it happens, leaving it takes 1 away. A case becomes overdue without any event,
when its deadline passes, so the overdue change is placed in the month the deadline falls in (or
the month the state begins, if later). ``roll.roll_stocks`` carries the positions forward month by
month, so a month's row holds its month-end position and a report reads one row, not ten years.
The invariants are listed in docs/reports.md.

- ``state``: a case's state as the reports see it, and the state before an event.
- ``facts``: what one event counts for (pure).
- ``rows``: from facts to counter rows (the centres above, the changes gathered in memory).
- ``upserts``: ``record_event``, counting one event in its change's transaction.
- ``roll``: carrying the stock positions forward, under the roll lock.
- ``rebuild``: every counter recomputed from the cases and their events.
- ``bulk``: the counters of many cases at once, added up in SQL (rebuilds, ``generate_city``).
"""
