"""The judicial confirmation window (People's Mediation Law art. 33): its last day, counted in
calendar days from the day after the agreement takes effect, day 30 included."""

from datetime import date

import pytest

from cases import deadlines
from cases.deadlines import ConfirmationWindow
from cases.models import Agreement, JudicialConfirmation, Status


@pytest.mark.parametrize(
    ("effective_on", "last_day"),
    [
        (date(2026, 3, 10), date(2026, 4, 9)),  # the API example's agreement
        (date(2026, 1, 31), date(2026, 3, 2)),  # across a 28-day February
        (date(2028, 1, 31), date(2028, 3, 1)),  # across a leap February
        (date(2026, 2, 28), date(2026, 3, 30)),
        (date(2026, 4, 30), date(2026, 5, 30)),  # a 30-day month: day 30 is the same date
        (date(2026, 12, 15), date(2027, 1, 14)),  # across the year end
    ],
)
def test_the_window_closes_on_day_30_after_the_agreement_takes_effect(
    effective_on: date, last_day: date
) -> None:
    assert deadlines.confirmation_window_closes(effective_on) == last_day
    agreement = Agreement(effective_on=effective_on)
    assert deadlines.confirmation_deadline(agreement) == last_day


def _agreement(
    effective_on: date, confirmation: str = JudicialConfirmation.NOT_APPLIED
) -> Agreement:
    return Agreement(effective_on=effective_on, judicial_confirmation=confirmation)


@pytest.mark.parametrize(
    ("today", "window", "days_left"),
    [
        (date(2026, 1, 31), ConfirmationWindow.OPEN, 30),  # the day it takes effect
        (date(2026, 2, 28), ConfirmationWindow.OPEN, 2),
        (date(2026, 3, 1), ConfirmationWindow.OPEN, 1),
        (date(2026, 3, 2), ConfirmationWindow.OPEN, 0),  # day 30: the last day, still open
        (date(2026, 3, 3), ConfirmationWindow.CLOSED, -1),  # day 31
        (date(2026, 6, 1), ConfirmationWindow.CLOSED, -91),
    ],
)
def test_open_until_the_last_day_included_then_closed(
    today: date, window: ConfirmationWindow, days_left: int
) -> None:
    agreement = _agreement(date(2026, 1, 31))
    for status in (Status.RESOLVED, Status.CLOSED):
        assert deadlines.confirmation_window(agreement, status=status, today=today) == window
    assert deadlines.confirmation_days_left(agreement, today=today) == days_left


@pytest.mark.parametrize(
    "confirmation",
    [JudicialConfirmation.APPLIED, JudicialConfirmation.CONFIRMED, JudicialConfirmation.REJECTED],
)
def test_once_applied_for_the_window_no_longer_matters(confirmation: str) -> None:
    agreement = _agreement(date(2026, 1, 31), confirmation)
    for today in (date(2026, 2, 1), date(2026, 6, 1)):
        window = deadlines.confirmation_window(agreement, status=Status.CLOSED, today=today)
        assert window == ConfirmationWindow.APPLIED


def test_no_window_unless_the_case_is_resolved_or_closed() -> None:
    agreement = _agreement(date(2026, 1, 31))
    for status in (Status.IN_MEDIATION, Status.SUSPENDED, Status.FAILED):
        window = deadlines.confirmation_window(agreement, status=status, today=date(2026, 2, 1))
        assert window == ConfirmationWindow.NONE
