"""Reads of the categories of disputes."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from ..models import Category


def categories_for(user: User | AnonymousUser | None) -> QuerySet[Category]:
    """The category list is the same for everyone signed in."""
    if user is None or not user.is_authenticated:
        return Category.objects.none()
    return Category.objects.select_related("parent")
