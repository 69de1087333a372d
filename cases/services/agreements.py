"""After the agreement: recording whether it was fulfilled, and its judicial confirmation."""

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import deadlines
from ..access import can, get_case_for
from ..errors import InvalidInput, NotPermitted
from ..models import Agreement, EventKind, Fulfilment, JudicialConfirmation, Status
from . import events


def write_fulfilment(*, case_id: int, fulfilment: str, at: datetime) -> tuple[Agreement, str]:
    """Set the case's agreement's fulfilment, recorded at ``at``, its row locked; return the
    agreement and the fulfilment it had.

    The one write of ``Agreement.fulfilment``, for ``record_fulfilment`` and the ``close``
    transition; the caller holds the transaction and writes the event. The fulfilment replaced is
    read under the lock, so two recordings at once chain their events and the report's counters.
    """
    locked = Agreement.objects.select_for_update().get(case_id=case_id)
    before = locked.fulfilment
    locked.fulfilment, locked.fulfilment_recorded_at = fulfilment, at
    locked.save(update_fields=["fulfilment", "fulfilment_recorded_at"])
    return locked, before


def record_fulfilment(
    *, agreement: Agreement, actor: User, fulfilment: str, at: datetime | None = None
) -> Agreement:
    """Record whether the parties did what they agreed (People's Mediation Law art. 31)."""
    case = get_case_for(actor, agreement.case_id)
    if not can(actor, "record_fulfilment", case):
        raise NotPermitted(_("You may not record fulfilment for this case."))
    if fulfilment not in Fulfilment.values:
        raise InvalidInput(fields={"fulfilment": [_("Choose a valid fulfilment status.")]})
    at = at or timezone.now()
    with transaction.atomic():
        locked, before = write_fulfilment(case_id=case.pk, fulfilment=fulfilment, at=at)
        events.record(
            case=case,
            actor=actor,
            kind=EventKind.AGREEMENT,
            name="record_fulfilment",
            at=at,
            before={"fulfilment": before},
            after={"fulfilment": fulfilment},
        )
    locked.case = case
    return locked


# --- Judicial confirmation (司法确认) ------------------------------------------------------------


# What may be recorded from each state: the application, then the court's ruling, which is final.
# A ruling may also be recorded at once when the application date comes with it.
NEXT_CONFIRMATION: dict[str, frozenset[str]] = {
    JudicialConfirmation.NOT_APPLIED: frozenset(
        {
            JudicialConfirmation.APPLIED,
            JudicialConfirmation.CONFIRMED,
            JudicialConfirmation.REJECTED,
        }
    ),
    JudicialConfirmation.APPLIED: frozenset(
        {JudicialConfirmation.CONFIRMED, JudicialConfirmation.REJECTED}
    ),
    JudicialConfirmation.CONFIRMED: frozenset(),
    JudicialConfirmation.REJECTED: frozenset(),
}
RULING_NUMBER_LENGTH = 64  # Agreement.ruling_number's max_length
RULINGS = frozenset({JudicialConfirmation.CONFIRMED, JudicialConfirmation.REJECTED})
CONFIRMATION_FIELDS = [
    "judicial_confirmation",
    "confirmation_applied_on",
    "ruling_number",
    "ruling_on",
]


def _confirmation_problems(
    agreement: Agreement,
    *,
    status: str,
    applied_on: date | None,
    ruling_number: str,
    ruling_on: date | None,
    today: date,
) -> dict[str, list[Any]]:
    """What is wrong with recording ``status`` on ``agreement`` as it is now, field by field."""
    current = agreement.judicial_confirmation
    if current in RULINGS:
        return {"status": [_("The court has ruled; its ruling can no longer be changed.")]}
    if status not in NEXT_CONFIRMATION[JudicialConfirmation.NOT_APPLIED]:
        return {"status": [_("Choose applied, confirmed or rejected.")]}
    if status not in NEXT_CONFIRMATION[current]:
        return {"status": [_("The application has already been recorded.")]}
    problems: dict[str, list[Any]] = {}
    recorded = agreement.confirmation_applied_on
    if recorded is not None and applied_on is not None and applied_on != recorded:
        problems["applied_on"] = [
            _("The application was recorded as made on %(date)s.") % {"date": recorded}
        ]
    applied_on = recorded or applied_on
    if applied_on is None:
        problems["applied_on"] = [_("Give the date the application was made.")]
    elif recorded is None:
        if applied_on < agreement.effective_on:
            problems["applied_on"] = [
                _("The application cannot be made before the agreement takes effect (%(date)s).")
                % {"date": agreement.effective_on}
            ]
        elif applied_on > today:
            problems["applied_on"] = [_("This date is in the future.")]
    if status in RULINGS:
        if not ruling_number:
            problems["ruling_number"] = [_("Give the number of the court's ruling.")]
        elif len(ruling_number) > RULING_NUMBER_LENGTH:
            problems["ruling_number"] = [
                _("A ruling number has at most %(limit)d characters.")
                % {"limit": RULING_NUMBER_LENGTH}
            ]
        if ruling_on is None:
            problems["ruling_on"] = [_("Give the date of the court's ruling.")]
        elif ruling_on > today:
            problems["ruling_on"] = [_("This date is in the future.")]
        elif applied_on is not None and ruling_on < applied_on:
            problems["ruling_on"] = [_("The ruling cannot come before the application.")]
    else:
        # An application alone has no ruling yet: a number or date given now would be a mistake.
        if ruling_number:
            problems["ruling_number"] = [
                _("A ruling number goes with a confirmed or rejected ruling.")
            ]
        if ruling_on is not None:
            problems["ruling_on"] = [_("A ruling date goes with a confirmed or rejected ruling.")]
    return problems


@transaction.atomic
def record_judicial_confirmation(
    *,
    agreement: Agreement,
    actor: User,
    status: str,
    applied_on: date | None = None,
    ruling_number: str = "",
    ruling_on: date | None = None,
    at: datetime | None = None,
) -> Agreement:
    """Record the parties' application to the court for judicial confirmation (司法确认) of the
    agreement, and the court's ruling: confirmed or rejected (People's Mediation Law art. 33).

    The entrusting court's liaison or an administrator records it; the order is not applied →
    applied → confirmed | rejected (a ruling may come with its application date in one call), and
    a ruling is final. Dates are the handling centre's local dates and none may lie in the future;
    the application is not before the agreement takes effect, the ruling not before the
    application. An application made after the 30-day period is recorded and marked ``late`` in
    the event. Writes exactly one event; any refusal changes nothing.
    """
    case = get_case_for(actor, agreement.case_id)
    if not can(actor, "record_judicial_confirmation", case):
        raise NotPermitted(_("You may not record judicial confirmation for this case."))
    at = at or timezone.now()
    # Lock the row: the order of the steps (and the finality of a ruling) holds under concurrency.
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if case.status not in (Status.RESOLVED, Status.CLOSED):
        raise InvalidInput(
            fields={"__all__": [_("Only a resolved or closed case's agreement can be confirmed.")]}
        )
    ruling_number = (ruling_number or "").strip()
    problems = _confirmation_problems(
        locked,
        status=status,
        applied_on=applied_on,
        ruling_number=ruling_number,
        ruling_on=ruling_on,
        today=deadlines.local_today(case.centre, at),
    )
    if problems:
        raise InvalidInput(fields=problems)
    before = {name: getattr(locked, name) for name in CONFIRMATION_FIELDS}
    applying = locked.confirmation_applied_on is None
    applied = locked.confirmation_applied_on or applied_on
    assert applied is not None  # checked above: an application date is known or given
    locked.judicial_confirmation, locked.confirmation_applied_on = status, applied
    if status in RULINGS:
        locked.ruling_number, locked.ruling_on = ruling_number, ruling_on
    changed = [name for name in CONFIRMATION_FIELDS if getattr(locked, name) != before[name]]
    locked.save(update_fields=changed)
    after: dict[str, Any] = {name: getattr(locked, name) for name in changed}
    if applying:
        after["late"] = applied > deadlines.confirmation_deadline(locked)
    events.record(
        case=case,
        actor=actor,
        kind=EventKind.AGREEMENT,
        name="judicial_confirmation",
        at=at,
        before={name: before[name] for name in changed},
        after=after,
    )
    locked.case = case
    return locked
