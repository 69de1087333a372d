"""Spreadsheet cells that stay text: what the CSV downloads (case list, reports, audit) write,
and the streamed CSV they share."""

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils import translation

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection): such text
# is written with a leading apostrophe, which the spreadsheet shows as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> str:
    """``value`` as CSV text that no spreadsheet reads as a formula (see FORMULA_STARTS)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file whose ``write`` hands the line back, so the CSV writer feeds a stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Callable[[], list[str]],
    rows: Iterable[Iterable[Any]],
    language: str | None,
    *,
    cell: Callable[[Any], str] = spreadsheet_cell,
) -> Iterator[str]:
    """A CSV, line by line, in ``language``: the lines (``rows`` is best a generator) are made
    while the response is sent, after the view and its request's language have returned. The
    byte order mark first tells Excel the file is UTF-8 (it would read Chinese as mojibake)."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield "\ufeff" + writer.writerow(header())
        for row in rows:
            yield writer.writerow([cell(value) for value in row])
