"""Handing a case up, down or across the network (the transfer transitions)."""

from typing import Any

from django.db.models import QuerySet

from .. import workflow
from ..access import scope_of
from ..models import Case, Centre, Role, Transfer, TransferStatus


def request_transfer(
    *, case: Case, actor: Any, target: Centre, reason: str, expected_version: int | None = None
) -> Case:
    """Send the case to ``target``; its direction (up, down, across) is derived from the tree."""
    return workflow.transition(
        case=case,
        name="transfer",
        actor=actor,
        data={"target_centre": target.pk, "reason": reason},
        expected_version=expected_version,
    )


def accept_transfer(*, case: Case, actor: Any, expected_version: int | None = None) -> Case:
    return workflow.transition(
        case=case, name="accept_transfer", actor=actor, expected_version=expected_version
    )


def return_transfer(
    *, case: Case, actor: Any, reason: str, expected_version: int | None = None
) -> Case:
    return workflow.transition(
        case=case,
        name="return_transfer",
        actor=actor,
        data={"reason": reason},
        expected_version=expected_version,
    )


def incoming_for(user: Any) -> QuerySet[Transfer]:
    """Pending transfers into centres the user receives for (director subtree, own court)."""
    scope = scope_of(user)
    transfers = Transfer.objects.filter(status=TransferStatus.PENDING).select_related(
        "case", "from_centre", "to_centre"
    )
    if scope.is_admin:
        return transfers
    q = Transfer.objects.none()
    for centre in scope.centres(Role.DIRECTOR):
        q = q | transfers.filter(to_centre__path__startswith=centre.path)
    courts = scope.centres(Role.COURT_LIAISON)
    if courts:
        q = q | transfers.filter(to_centre__in=courts)
    return q
