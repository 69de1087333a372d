"""Saved filters of the case list (``cases.models.SavedFilter``): saved, applied, deleted."""

from django.contrib.auth.models import User
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .. import personal_data
from ..errors import InvalidInput, NotPermitted
from ..models import Centre, SavedFilter
from ..queries.saved_filters import may_delete_filter, sharing_centres

# Never part of a saved filter's parameters: the form's token, the page, and the search (its text
# is kept encrypted apart; its key is the user's for a day).
NOT_SAVED = frozenset({"csrfmiddlewaretoken", "page", "q", "search"})


def save_filter(
    *, user: User, name: str, params: QueryDict, search_text: str = "", centre: Centre | None
) -> SavedFilter:
    """Save the case list's filter ``params`` (with ``search_text``, encrypted) under ``name``:
    the user's own, or shared with ``centre``, a centre they belong to (else ``NotPermitted``)."""
    name = name.strip()
    if not name:
        raise InvalidInput(fields={"name": [_("This field is required.")]})
    if centre is not None and not sharing_centres(user).filter(pk=centre.pk).exists():
        raise NotPermitted(_("You can only share a filter with a centre you belong to."))
    kept = QueryDict(mutable=True)
    for key, values in params.lists():
        values = [v for v in values if v]
        if key not in NOT_SAVED and values:
            kept.setlist(key, values)
    text = search_text.strip()
    return SavedFilter.objects.create(
        name=name,
        owner=user,
        centre=centre,
        params=kept.urlencode(),
        search_encrypted=personal_data.encrypt(text) if text else "",
    )


def filter_search_text(saved: SavedFilter) -> str:
    """The search text of a saved filter, decrypted ("" when it has none)."""
    return personal_data.decrypt(saved.search_encrypted) if saved.search_encrypted else ""


def delete_filter(*, user: User, saved: SavedFilter) -> None:
    """Delete ``saved``: by its owner, or, shared, by the director of its centre."""
    if not may_delete_filter(user, saved):
        raise NotPermitted(_("Only its owner or the centre's director may delete this filter."))
    saved.delete()
