"""Follow-up visits after closing (回访)."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import can, get_case_for
from ..errors import InvalidInput, NotPermitted, TransitionNotAllowed
from ..models import ContactMethod, EventKind, FollowUp, Fulfilment
from . import events


def record_follow_up(
    *,
    follow_up: FollowUp,
    actor: User,
    contact_method: str,
    fulfilment: str,
    satisfaction: int | None,
    note: str = "",
    at: datetime | None = None,
) -> FollowUp:
    """Complete a scheduled follow-up: how the parties were reached, fulfilment, satisfaction 1–5."""
    case = get_case_for(actor, follow_up.case_id)
    if not can(actor, "record_follow_up", case):
        raise NotPermitted(_("You may not record follow-ups for this case."))
    problems: dict[str, list[Any]] = {}
    if contact_method not in ContactMethod.values:
        problems["contact_method"] = [_("Choose how the parties were contacted.")]
    if fulfilment not in Fulfilment.values:
        problems["fulfilment"] = [_("Choose a valid fulfilment status.")]
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        problems["satisfaction"] = [_("Satisfaction is a score from 1 to 5.")]
    if problems:
        raise InvalidInput(fields=problems)
    at = at or timezone.now()
    with transaction.atomic():
        # Lock the row: two people recording the same visit at once must not both succeed.
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.done_at is not None:
            raise TransitionNotAllowed(_("This follow-up has already been recorded."))
        follow_up.contact_method, follow_up.fulfilment = contact_method, fulfilment
        follow_up.satisfaction, follow_up.note, follow_up.done_at = satisfaction, note, at
        follow_up.recorded_by = actor if getattr(actor, "pk", None) else None
        follow_up.save(
            update_fields=[
                "contact_method",
                "fulfilment",
                "satisfaction",
                "note",
                "done_at",
                "recorded_by",
            ]
        )
        events.record(
            case=case,
            actor=actor,
            kind=EventKind.FOLLOW_UP,
            name="record_follow_up",
            at=at,
            before={"follow_up": follow_up.pk, "done": False},
            after={
                "follow_up": follow_up.pk,
                "done": True,
                "fulfilment": fulfilment,
                "satisfaction": satisfaction,
            },
        )
    return follow_up
