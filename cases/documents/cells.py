"""Spreadsheet cells that stay text: what the CSV downloads (case list, reports) write."""

from typing import Any

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection): such text
# is written with a leading apostrophe, which the spreadsheet shows as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> str:
    """``value`` as CSV text that no spreadsheet reads as a formula (see FORMULA_STARTS)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
