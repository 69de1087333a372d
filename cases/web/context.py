"""Template context for every page: what the navigation offers this user."""

from functools import cache, partial
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest

from ..access import can_read_reports, scope_of
from ..models import Role
from ..queries.notifications import unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):  # anonymous (or no auth middleware, as on a bare error page)
        return {}
    scope = scope_of(user)
    roles = {role for role, centres in scope.by_role.items() if centres}
    return {
        "nav": {
            "is_admin": scope.is_admin,
            "roles": roles,
            "is_director": scope.is_admin or Role.DIRECTOR in roles,
            "is_mediator": scope.mediator is not None,
            "may_register": scope.is_admin
            or bool(roles & {Role.INTAKE, Role.DIRECTOR, Role.COURT_LIAISON}),
            "receives_transfers": scope.is_admin
            or bool(roles & {Role.DIRECTOR, Role.COURT_LIAISON, Role.OBSERVER}),
            "reads_reports": can_read_reports(user),
            "reads_audit": scope.is_admin or Role.DIRECTOR in roles,
            "reads_warnings": scope.is_admin or Role.DIRECTOR in roles,
            # The bell's count, on first use (templates call it): one query on a page with the
            # nav, none on an HTMX fragment.
            "unread": cache(partial(unread_count, user)),
        }
    }
