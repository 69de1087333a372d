"""Reads of transfers: the inbox (incoming, outgoing), a case's hand-overs, where a case may go."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from .. import access
from ..models import Case, Centre, CentreKind, Role, Transfer, TransferStatus
from .cases import visible_case_ids
from .centres import own_centres


def transfers_for(user: User | AnonymousUser) -> QuerySet[Transfer]:
    return Transfer.objects.filter(case__in=visible_case_ids(user)).select_related(
        "case", "from_centre", "to_centre", "requested_by", "decided_by"
    )


def incoming_for(user: User | AnonymousUser | None) -> QuerySet[Transfer]:
    """Pending transfers into centres the user receives for (director subtree, own court)."""
    scope = access.scope_of(user)
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


def outgoing_transfers(user: User) -> QuerySet[Transfer]:
    """Pending transfers sent from the user's own centres (or from the subtrees they direct or
    observe) that the user does not receive themselves: read-only, for the transfers inbox."""
    scope = access.scope_of(user)
    sent = Q(from_centre__in=own_centres(user))
    for centre in scope.centres(Role.DIRECTOR, Role.OBSERVER):
        sent |= Q(from_centre__path__startswith=centre.path)
    if scope.is_admin:
        sent = Q()
    return (
        transfers_for(user)
        .filter(sent, status=TransferStatus.PENDING)
        .exclude(pk__in=incoming_for(user).values("pk"))
        .order_by("requested_at", "id")
    )


def case_transfers(user: User, case: Case) -> QuerySet[Transfer]:
    """The case's hand-overs, oldest first: its handling-centre history."""
    return transfers_for(user).filter(case=case).order_by("requested_at", "id")


# Bodies a case goes "across" to (DESIGN §3): not the comprehensive centres of other streets.
ACROSS_KINDS = (
    CentreKind.PROFESSIONAL,
    CentreKind.COURT_ROOM,
    CentreKind.COURT,
    CentreKind.DEPARTMENT,
)


def transfer_targets(case: Case) -> dict[str, list[Centre]]:
    """Where a case may sensibly be transferred, in one query, by direction:

    - ``up``: the parent centre and every centre above it, nearest first;
    - ``down``: the centre's children;
    - ``across``: active professional committees, court-attached rooms and functional
      departments attached to the case's centre or to a centre above it (its street, district,
      city), so never the thousands of centres of other districts; and the courts that serve the
      case's centre (``Centre.objects.courts_serving``), the only courts a transfer may go to.

    Not scoped by user: only supervisors may transfer, and the destinations are usually outside
    their own subtree (the parent, a court).
    """
    centre = case.centre
    codes = centre.ancestor_codes()
    candidates = (
        Centre.objects.active()
        .filter(
            (
                Q(code__in=codes[:-1])
                | Q(parent=centre)
                | Q(parent__code__in=codes, kind__in=ACROSS_KINDS)
            )
            & ~Q(kind=CentreKind.COURT)
            | Q(pk__in=Centre.objects.courts_serving(centre).values("pk"))
        )
        .exclude(pk=centre.pk)
        .order_by("path")
    )
    targets: dict[str, list[Centre]] = {"up": [], "down": [], "across": []}
    for target in candidates:
        if centre.is_within(target):
            targets["up"].append(target)
        elif target.parent_id == centre.pk:
            targets["down"].append(target)
        else:
            targets["across"].append(target)
    targets["up"].reverse()  # nearest first
    return targets
