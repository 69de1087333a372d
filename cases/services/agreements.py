"""After the agreement: recording whether it was fulfilled."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import can, get_case_for
from ..errors import InvalidInput, NotPermitted
from ..models import Agreement, EventKind, Fulfilment
from . import events


def record_fulfilment(
    *, agreement: Agreement, actor: Any, fulfilment: str, at: datetime | None = None
) -> Agreement:
    """Record whether the parties did what they agreed (People's Mediation Law art. 31)."""
    case = get_case_for(actor, agreement.case_id)
    if not can(actor, "record_fulfilment", case):
        raise NotPermitted(_("You may not record fulfilment for this case."))
    if fulfilment not in Fulfilment.values:
        raise InvalidInput(fields={"fulfilment": [_("Choose a valid fulfilment status.")]})
    at = at or timezone.now()
    with transaction.atomic():
        before = agreement.fulfilment
        agreement.fulfilment, agreement.fulfilment_recorded_at = fulfilment, at
        agreement.save(update_fields=["fulfilment", "fulfilment_recorded_at"])
        events.record(
            case=case,
            actor=actor,
            kind=EventKind.AGREEMENT,
            name="record_fulfilment",
            at=at,
            before={"fulfilment": before},
            after={"fulfilment": fulfilment},
        )
    return agreement
