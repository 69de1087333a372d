"""The figures of a monthly report: keys (DESIGN §5), names and definitions in both languages.

Every surface that shows a report (the web page, CSV, XLSX, PDF, the snapshot e-mail) takes the
names and definitions from here, and docs/reports.md says the same in prose.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class Kind(StrEnum):
    COUNT = "count"  # an integer
    RATE = "rate"  # a fraction 0–1, or null when there is nothing to divide by
    DAYS = "days"  # days with one decimal, or null
    AMOUNT = "amount"  # yuan, a decimal string with two places
    MEAN = "mean"  # a mean with two decimals, or null


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any
    definition: Any
    kind: Kind
    # Shown per category, channel, risk level, child centre and mediator too. The duration
    # percentiles are kept for the whole scope only.
    in_breakdowns: bool = True


FIGURES: tuple[Figure, ...] = (
    Figure(
        "received",
        _("Received"),
        _("Cases registered in the month by a centre in scope."),
        Kind.COUNT,
    ),
    Figure(
        "accepted",
        _("Accepted"),
        _("Decisions to accept a case made in the month (accepting a transfer is not counted)."),
        Kind.COUNT,
    ),
    Figure("declined", _("Declined"), _("Decisions to decline made in the month."), Kind.COUNT),
    Figure(
        "transferred_in",
        _("Transferred in"),
        _(
            "Transfers accepted in the month from a centre outside the scope into one inside it "
            "(moves inside the subtree cancel out)."
        ),
        Kind.COUNT,
    ),
    Figure(
        "transferred_out",
        _("Transferred out"),
        _("Transfers accepted in the month from a centre inside the scope to one outside it."),
        Kind.COUNT,
    ),
    Figure(
        "resolved",
        _("Resolved"),
        _("Cases concluded in the month with an agreement, at a centre in scope."),
        Kind.COUNT,
    ),
    Figure(
        "failed",
        _("Failed"),
        _("Cases concluded in the month without agreement (the parties were guided elsewhere)."),
        Kind.COUNT,
    ),
    Figure(
        "withdrawn",
        _("Withdrawn"),
        _("Cases concluded in the month because the applicant withdrew."),
        Kind.COUNT,
    ),
    Figure(
        "success_rate",
        _("Success rate"),
        _(
            "Resolved ÷ (resolved + failed) in the month; withdrawn cases are left out. Empty when "
            "nothing was resolved or failed."
        ),
        Kind.RATE,
    ),
    Figure(
        "open_at_month_end",
        _("Open at month end"),
        _(
            "Cases registered, accepted, in mediation, suspended or pending transfer at the end "
            "of the month, at the centre handling them then (the current month: now)."
        ),
        Kind.COUNT,
    ),
    Figure(
        "overdue_at_month_end",
        _("Overdue at month end"),
        _(
            "Of the open cases, those past their running deadline at the end of the month (the "
            "acceptance decision while registered, the mediation deadline after; a suspended "
            "case's clock is paused)."
        ),
        Kind.COUNT,
    ),
    Figure(
        "high_risk_open",
        _("High-risk open"),
        _("Of the open cases at the end of the month, those of high risk."),
        Kind.COUNT,
    ),
    Figure(
        "days_to_conclusion_median",
        _("Days to conclusion, median"),
        _(
            "For the cases concluded in the month: days from registration to conclusion (one "
            "decimal, rounded half up), the middle value by nearest rank."
        ),
        Kind.DAYS,
        in_breakdowns=False,
    ),
    Figure(
        "days_to_conclusion_p90",
        _("Days to conclusion, 90th percentile"),
        _("The same days; nine cases in ten concluded within this many (nearest rank)."),
        Kind.DAYS,
        in_breakdowns=False,
    ),
    Figure(
        "amount_in_dispute",
        _("Amount in dispute (yuan)"),
        _("The amounts in dispute of the cases received in the month, as they stand now."),
        Kind.AMOUNT,
    ),
    Figure(
        "amount_agreed",
        _("Amount agreed (yuan)"),
        _("The amounts in the agreements of the cases resolved in the month."),
        Kind.AMOUNT,
    ),
    Figure(
        "agreements_due",
        _("Agreements due"),
        _("Agreements whose performance deadline falls in the month."),
        Kind.COUNT,
    ),
    Figure(
        "agreements_fulfilled",
        _("Agreements fulfilled"),
        _("Of the agreements due in the month, those recorded as fulfilled in full by its end."),
        Kind.COUNT,
    ),
    Figure(
        "fulfilment_rate",
        _("Fulfilment rate"),
        _("Agreements fulfilled ÷ agreements due. Empty when none fell due."),
        Kind.RATE,
    ),
    Figure(
        "judicial_confirmations_applied",
        _("Judicial confirmations applied for"),
        _("Applications to a court for judicial confirmation made in the month."),
        Kind.COUNT,
    ),
    Figure(
        "judicial_confirmations_confirmed",
        _("Judicial confirmations granted"),
        _("Court rulings confirming an agreement made in the month."),
        Kind.COUNT,
    ),
    Figure(
        "follow_ups_done",
        _("Follow-ups done"),
        _("Follow-up visits recorded in the month."),
        Kind.COUNT,
    ),
    Figure(
        "mean_satisfaction",
        _("Mean satisfaction (1–5)"),
        _("The mean of the satisfaction scores given in those follow-ups. Empty when none."),
        Kind.MEAN,
    ),
)

BY_KEY = {figure.key: figure for figure in FIGURES}

# How an empty figure (nothing to divide by, nothing to compare) is shown.
EMPTY = "—"


def shown(value: Any, kind: Kind) -> str:
    """A figure as the page and the PDF show it: counts with separators, rates as percentages,
    days with one decimal, amounts in yuan with two, means with two; empty as a dash."""
    if value is None:
        return EMPTY
    if kind == Kind.COUNT:
        return f"{value:,}"
    if kind == Kind.RATE:
        return f"{value * 100:.1f}%"
    if kind == Kind.DAYS:
        return f"{value:.1f}"
    if kind == Kind.AMOUNT:
        return f"{Decimal(value):,.2f}"
    return f"{value:.2f}"


KEYS = tuple(figure.key for figure in FIGURES)
BREAKDOWN_KEYS = tuple(figure.key for figure in FIGURES if figure.in_breakdowns)

# How many entries of a breakdown the page shows: the busiest, as a report lists them.
# The JSON, CSV and XLSX carry every entry; a city's mediator breakdown has thousands (a PDF of
# them all took two minutes and ran to hundreds of pages: issue #8).
SHOWN_ENTRIES = 50
# The PDF shows fewer (issue 24): a PDF's time follows its table cells, and the city's 50 busiest
# mediators in two tables were a third of its 16 pages.
PDF_SHOWN_ENTRIES = 20


def shown_entries(dimension: str, entries: list[Any], limit: int | None = None) -> list[Any]:
    """The entries of a breakdown the page (and, ``limit`` ``PDF_SHOWN_ENTRIES``, the PDF) shows:
    every child centre (in the tree's order), of the others the busiest ``SHOWN_ENTRIES``."""
    if dimension == "child_centre":
        return entries
    return entries[: SHOWN_ENTRIES if limit is None else limit]


# The breakdowns of DESIGN §5, in the order a report shows them.
BREAKDOWNS: tuple[tuple[str, Any], ...] = (
    ("category", _("By category")),
    ("channel", _("By channel")),
    ("risk_level", _("By risk level")),
    ("child_centre", _("By centre")),
    ("mediator", _("By mediator")),
)

# Keys of ``level_resolution``: where in the network the subtree's resolved cases were resolved.
LEVELS: tuple[tuple[str, Any], ...] = (
    ("community", _("Community / village")),
    ("street", _("Street / town")),
    ("district", _("District")),
    ("city", _("City")),
    ("professional", _("Professional committee")),
    ("grid", _("Grid")),
)
LEVEL_RESOLUTION_DEFINITION = _(
    "Of the cases resolved in the subtree in the month, the share resolved at each level of "
    "centre; professional committees are counted apart from their level."
)

COMPARISONS: tuple[tuple[str, Any], ...] = (
    ("previous_month", _("Previous month")),
    ("same_month_last_year", _("Same month last year")),
)
