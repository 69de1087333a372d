"""Reads of the case list's saved filters (``cases.models.SavedFilter``): whose, and who may delete."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from ..models import Centre, Membership, Role, SavedFilter


def sharing_centres(user: User | AnonymousUser) -> QuerySet[Centre]:
    """The centres the user belongs to (any role): those a filter may be shared with."""
    if not user.is_authenticated:
        return Centre.objects.none()
    member_of = Membership.objects.filter(user=user).values("centre_id")
    return Centre.objects.filter(pk__in=member_of).order_by("path")


def saved_filters_for(user: User | AnonymousUser) -> QuerySet[SavedFilter]:
    """The filters the user sees: their own (personal or shared) and those shared with a centre
    they belong to."""
    if not user.is_authenticated:
        return SavedFilter.objects.none()
    member_of = Membership.objects.filter(user=user).values("centre_id")
    return (
        SavedFilter.objects.filter(Q(owner=user) | Q(centre__in=member_of))
        .select_related("centre", "owner")
        .order_by("name", "id")
    )


def may_delete_filter(user: User | AnonymousUser, saved: SavedFilter) -> bool:
    """Its owner may delete a filter; a shared one also the director of the centre it is shared
    with."""
    if not user.is_authenticated:
        return False
    if saved.owner_id == user.pk:
        return True
    return (
        saved.centre_id is not None
        and Membership.objects.filter(
            user=user, centre_id=saved.centre_id, role=Role.DIRECTOR
        ).exists()
    )
