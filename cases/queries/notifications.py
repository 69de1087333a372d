"""Reads of notifications: the user's list and the bell's count, and who is told (directors of a
case's centre and above, the liaisons of a court)."""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects

from .. import access
from ..models import (
    Case,
    Centre,
    DigestItem,
    Membership,
    Notification,
    NotificationKind,
    Role,
)


def notifications_for(user: User | AnonymousUser) -> QuerySet[Notification]:
    """The user's notifications, newest first, each with its case and ``case_visible``.

    ``case_visible`` is whether the user may still see the case (a case may have moved out of
    their scope since): one ``EXISTS`` per row, so a page of the list is one query.
    """
    if not isinstance(user, User):  # anonymous
        return Notification.objects.none()
    visible = access.visible_cases(user).filter(pk=OuterRef("case_id"))
    return (
        Notification.objects.filter(user=user)
        .select_related("case", "case__centre")
        .annotate(case_visible=Exists(visible))
        .order_by("-created_at", "-pk")
    )


def prefetch_digests(notifications: Iterable[Notification], user: User) -> None:
    """Load the entries of the digests among ``notifications`` (a page of ``user``'s list) in one
    query, none if there is no digest among them; an entry of another kind has none to load.

    Each entry carries ``case_visible`` like the list's rows: a case that has left the user's
    scope since is named by its number only."""
    digests = [n for n in notifications if n.kind == NotificationKind.DIGEST]
    if digests:
        visible = access.visible_cases(user).filter(pk=OuterRef("case_id"))
        items = DigestItem.objects.select_related("case", "case__centre").annotate(
            case_visible=Exists(visible)
        )
        prefetch_related_objects(digests, Prefetch("digest_items", queryset=items))


def unread_count(user: User) -> int:
    """How many notifications ``user`` has not read (the bell's number)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def directors_of(case: Case) -> QuerySet[User]:
    """Active users who direct the case's handling centre or any centre above it."""
    directors = Membership.objects.filter(
        role=Role.DIRECTOR, centre__code__in=case.centre.ancestor_codes()
    )
    return User.objects.filter(is_active=True, pk__in=directors.values("user_id")).order_by("pk")


def directors_of_centre(centre: Centre) -> QuerySet[User]:
    """Active users who direct ``centre`` or any centre above it."""
    directors = Membership.objects.filter(
        role=Role.DIRECTOR, centre__code__in=centre.ancestor_codes()
    )
    return User.objects.filter(is_active=True, pk__in=directors.values("user_id")).order_by("pk")


def nearest_directors(centre: Centre) -> QuerySet[User]:
    """The active directors of ``centre``, or of the nearest centre above it that has any."""
    codes = centre.ancestor_codes()
    memberships = list(
        Membership.objects.filter(
            role=Role.DIRECTOR, centre__code__in=codes, user__is_active=True
        ).values_list("user_id", "centre__code")
    )
    if not memberships:
        return User.objects.none()
    nearest = max(codes.index(code) for _user, code in memberships)
    ids = [user for user, code in memberships if codes.index(code) == nearest]
    return User.objects.filter(pk__in=ids).order_by("pk")


def mediator_users(case: Case) -> list[User]:
    """The active users of the case's lead and co-mediators (those who log in)."""
    ids = [case.lead_mediator_id] if case.lead_mediator_id else []
    ids += list(case.co_mediators.values_list("pk", flat=True))
    return list(User.objects.filter(is_active=True, mediator__pk__in=ids).order_by("pk"))


def receivers_of(centre: Centre) -> list[User]:
    """Who hears of a transfer coming to ``centre``: its directors (or the nearest above), its
    intake officers and, for a court, its liaisons."""
    members = Membership.objects.filter(
        centre=centre, role__in=[Role.INTAKE, Role.COURT_LIAISON], user__is_active=True
    )
    users = list(nearest_directors(centre))
    users += list(User.objects.filter(pk__in=members.values("user_id")).order_by("pk"))
    return users


def liaisons_of(court: Centre | None) -> QuerySet[User]:
    """Active users who are liaisons of ``court`` (none for no court)."""
    liaisons = Membership.objects.filter(role=Role.COURT_LIAISON, centre=court)
    return User.objects.filter(is_active=True, pk__in=liaisons.values("user_id"))
