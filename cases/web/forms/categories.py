"""The two-level category select, shared by the intake and edit forms."""

from collections.abc import Iterable
from typing import Any

from ...models import Category

Choices = list[tuple[Any, Any]]
BLANK = ("", "---------")


def category_choices(categories: Iterable[Category], parent: Category | None = None) -> Choices:
    """The options of a sub-category select.

    With ``parent``: its sub-categories (or the parent itself, when it has none). Without: every
    sub-category grouped under its top-level category (``<optgroup>``), a top-level category
    without sub-categories offered itself, so the page works without JavaScript.
    """
    categories = list(categories)
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    choices: Choices = [BLANK]
    if parent is not None:
        kids = children.get(parent.pk)
        return choices + [(c.pk, c.name) for c in kids] if kids else [(parent.pk, parent.name)]
    for top in categories:
        if top.parent_id is not None:
            continue
        kids = children.get(top.pk)
        if kids:
            choices.append((top.name, [(c.pk, c.name) for c in kids]))
        else:
            choices.append((top.pk, top.name))
    return choices
