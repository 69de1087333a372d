"""Retention (docs/personal-data.md, "Retention and anonymisation"): the legal hold on a case,
and the daily run that anonymises the cases past their retention period."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import can, get_case_for
from ..errors import InvalidInput, NotPermitted
from ..models import Case, EventKind
from ..queries import retention as retention_queries
from . import anonymisation, events

#: The longest reason for a hold or its release, in characters.
REASON_MAX = 500
#: What the retention run's events and audit records give as the reason.
RETENTION_REASON = "retention"


def set_legal_hold(
    *, case: Case, actor: User, hold: bool, reason: str, at: datetime | None = None
) -> Case:
    """Put ``case`` on legal hold (``hold``) or release it, with a ``reason``: one event
    (``set_legal_hold`` or ``release_legal_hold``) and a new version. A case on hold keeps its
    personal data past its retention period. The directors over its handling centre and
    administrators may (``NotPermitted`` otherwise); setting a hold already set, or releasing
    none, is refused naming ``hold``; an anonymised case can no longer be held."""
    case = get_case_for(actor, case.pk)
    if not can(actor, "legal_hold", case):
        raise NotPermitted(_("Only a director over this case's centre may set or release a hold."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give the reason for this change.")]})
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            fields={"reason": [_("At most %(max)d characters.") % {"max": REASON_MAX}]}
        )
    at = at or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if locked.legal_hold == hold:
            message = (
                _("The case is already on legal hold.")
                if hold
                else _("The case is not on legal hold.")
            )
            raise InvalidInput(fields={"hold": [message]})
        if hold and locked.anonymised_at is not None:
            raise InvalidInput(
                fields={"hold": [_("The case has been anonymised: there is nothing left to hold.")]}
            )
        before: dict[str, Any] = {"legal_hold": locked.legal_hold}
        locked.legal_hold = hold
        locked.legal_hold_reason = reason if hold else ""
        locked.version += 1
        locked.updated_at = at
        locked.save(update_fields=["legal_hold", "legal_hold_reason", "version", "updated_at"])
        events.record(
            case=locked,
            actor=actor,
            kind=EventKind.EDIT,
            name="set_legal_hold" if hold else "release_legal_hold",
            at=at,
            before=before,
            after={"legal_hold": hold, "reason": reason},
        )
    return locked


@dataclass(frozen=True)
class ExpiredCase:
    """A case past retention, as the run and its dry run list it."""

    pk: int
    number: str
    closed_at: datetime
    years: int
    ended_on: date


def anonymise_expired(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    chunk: int = 500,
    progress: Callable[[ExpiredCase, bool], None] | None = None,
) -> list[ExpiredCase]:
    """Anonymise every closed case past its retention period at ``now`` that is neither on legal
    hold nor anonymised yet, each in its own transaction with one audit record
    (``case_anonymised``); the cases done. ``dry_run``: the cases that would be, nothing written.
    ``progress`` is told of each case (and whether it was anonymised) as it goes."""
    now = now or timezone.now()
    rules = retention_queries.Rules.load()
    done: list[ExpiredCase] = []
    for case in retention_queries.expired_cases(now, rules=rules, chunk=chunk):
        assert case.closed_at is not None
        ends = retention_queries.retention_ends(case, rules)
        assert ends is not None
        expired = ExpiredCase(
            pk=case.pk,
            number=case.number,
            closed_at=case.closed_at,
            years=rules.years_for(case),
            ended_on=ends,
        )
        anonymised = not dry_run and anonymisation.anonymise_case(
            case, actor=None, reason=RETENTION_REASON, retention_years=expired.years, at=now
        )
        if dry_run or anonymised:
            done.append(expired)
        if progress is not None:
            progress(expired, anonymised)
    return done
