"""Permission before validation: a write the caller may not make is 403 whatever its body says.

The services decide permission too (and stay the authority), but only after the views have
validated the body: an observer's bad ``PATCH /follow-ups/{id}/`` got 400 instead of 403. Views
call ``require`` with the object in hand before they read the body, or ``require_somewhere`` for a
create whose object is named in the body (book a session, register a case) when the caller holds no
role that could do it anywhere. Messages are the services' own.
"""

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from .. import access
from ..errors import NotPermitted
from ..models import Case, Role

R = access.Relation


def require(user: User, action: str, case: Case, message: Any) -> None:
    """``NotPermitted`` unless ``user`` may perform ``action`` (``cases.access.ACTIONS``) on ``case``."""
    if not access.can(user, action, case):
        raise NotPermitted(message)


# Registration sight alone (``access.Relation.REGISTRAR``) reads no files or documents.
FILES_NOT_YOURS = _(
    "You see this case as the centre that registered it: its files and documents are for the "
    "centre that handles it."
)


def require_files(user: User, case: Case) -> None:
    """``NotPermitted`` unless ``user`` may read the case's files and documents (``read_files``)."""
    require(user, "read_files", case, FILES_NOT_YOURS)


def _relations_somewhere(user: User) -> frozenset[access.Relation]:
    """The relations ``user`` holds to at least some case (or could: a new one)."""
    scope = access.scope_of(user)
    held: set[access.Relation] = {R.ADMIN} if scope.is_admin else set()
    if scope.centres(Role.DIRECTOR):
        held |= {R.DIRECTOR, R.RECEIVER}
    if scope.centres(Role.COURT_LIAISON):
        held |= {R.COURT_LIAISON, R.RECEIVER}
    if scope.centres(Role.OBSERVER):
        held.add(R.OBSERVER)
    if scope.centres(Role.INTAKE):
        held.add(R.INTAKE)
    if scope.mediator is not None:
        held.add(R.MEDIATOR)
    if scope.mediator_centre_ids:
        held.add(R.QUEUE)
    return frozenset(held)


def require_somewhere(user: User, allowed: frozenset[access.Relation], message: Any) -> None:
    """``NotPermitted`` when ``user`` holds none of the ``allowed`` relations to any case."""
    if not _relations_somewhere(user) & allowed:
        raise NotPermitted(message)


# Who may register a case somewhere (``cases.access.can_register_at``).
REGISTRARS = frozenset({R.ADMIN, R.INTAKE, R.DIRECTOR, R.COURT_LIAISON})
