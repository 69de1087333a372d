"""Reads of the categories of disputes."""

from typing import Any

from django.db.models import QuerySet

from ..models import Category


def categories_for(user: Any) -> QuerySet[Category]:
    """The category list is the same for everyone signed in."""
    if user is None or not user.is_authenticated:
        return Category.objects.none()
    return Category.objects.select_related("parent")
