"""Reads of accounts and their memberships."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, QuerySet

from .. import access
from ..models import Membership


def users_for(user: User | AnonymousUser) -> QuerySet[User]:
    """Accounts and their memberships: administrators see all, everyone else none."""
    users = User.objects.order_by("id")
    if not access.scope_of(user).is_admin:
        return users.none()
    return users.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("centre").order_by("id"))
    )
