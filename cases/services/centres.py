"""Creating and moving centres: the only writes to ``Centre.path``."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from ..errors import InvalidInput
from ..models import Centre


def place(centre: Centre, parent: Centre | None) -> None:
    """Set ``parent``, ``path`` and ``depth`` on an unsaved or re-parented centre (no save)."""
    centre.parent = parent
    centre.path = centre.path_below(parent)
    centre.depth = (parent.depth + 1) if parent else 1


def create_centre(*, parent: Centre | None, **fields: Any) -> Centre:
    """Create a centre under ``parent`` (``None``: a root). Fields as on ``Centre``."""
    centre = Centre(**fields)
    place(centre, parent)
    try:
        centre.full_clean()
    except ValidationError as exc:
        raise InvalidInput.from_validation_error(exc) from None
    centre.save()
    return centre


@transaction.atomic
def save_centre(centre: Centre) -> Centre:
    """Save a new or edited centre; a new parent or code moves its whole subtree in one UPDATE."""
    old_path = None
    if centre.pk:
        old_path = (
            Centre.objects.select_for_update().values_list("path", flat=True).get(pk=centre.pk)
        )
    parent = centre.parent
    if parent is not None and centre.pk and parent.is_within(Centre(path=old_path or "")):
        raise InvalidInput(fields={"parent": [_("A centre cannot be moved below itself.")]})
    place(centre, parent)
    try:
        centre.full_clean()
    except ValidationError as exc:
        raise InvalidInput.from_validation_error(exc) from None
    centre.save()
    if old_path and old_path != centre.path:
        depth_shift = centre.depth - old_path.count("/")
        Centre.objects.filter(path__startswith=old_path).exclude(pk=centre.pk).update(
            path=Concat(Value(centre.path), Substr(F("path"), len(old_path) + 1)),
            depth=F("depth") + depth_shift,
        )
    return centre
