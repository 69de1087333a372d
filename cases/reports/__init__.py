"""Monthly outcome reports (DESIGN §5): counters kept with every change, reports read from them.

- ``rollups/``: the counters (``Rollup``, ``DurationBucket``): what each change adds, applied in
  the change's own transaction; rebuilt from the raw rows by ``rebuild_rollups``. One module per
  concept: ``state``, ``facts``, ``rows``, ``upserts``, ``roll``, ``rebuild``, ``bulk``.
- ``monthly``: a centre's report for a month, read from the counters, as language-neutral data.
- ``figures``: the figures' names and definitions, in both languages, shown wherever a report is.
- ``periods``: calendar months in the reporting time zone.
"""
