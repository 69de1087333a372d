"""What every web view shares: the scoped case lookup, domain errors onto forms, HTMX replies.

Views never build a case queryset themselves: one case comes from ``case_or_404`` (the scope rule
of ``cases.access``), lists from ``cases.queries``. A case outside the user's scope is a 404 page,
the same as a missing one.
"""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ..access import can, get_case_for
from ..errors import CaseNotFound, DomainError
from ..models import Case


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is signed in. The annotation of
    such views' ``request`` (django-stubs' pattern), so they hand ``request.user`` on as a ``User``.
    """

    user: User


def case_or_404(user: User, pk: Any, queryset: QuerySet[Case] | None = None) -> Case:
    try:
        return get_case_for(user, pk, queryset)
    except CaseNotFound:
        raise Http404() from None


def document_case_or_404(user: User, pk: Any, queryset: QuerySet[Case] | None = None) -> Case:
    """The case for its files and printed documents: 404 outside the user's scope (as
    ``case_or_404``), 403 for a user who sees it by registration alone (``access.ACTIONS``,
    ``read_files``: the window that registered it reads its status, not its file)."""
    case = case_or_404(user, pk, queryset)
    if not can(user, "read_files", case):
        raise PermissionDenied()
    return case


def add_domain_error(form: forms.Form, error: DomainError, prefix: str = "") -> None:
    """Put a domain error on ``form``: messages for its fields at the field, the rest on top.

    ``prefix`` is stripped from the error's field names (``agreement.terms`` → ``terms``).
    """
    placed = False
    for name, messages in error.fields.items():
        field = name.removeprefix(prefix)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, str(error.message))


def render_form(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int | None = None,
) -> HttpResponse:
    """Render a page holding a form; an invalid form answers 400 so tests and HTMX can tell."""
    form = context.get("form")
    if status is None:
        status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, template, context, status=status)


def htmx_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful POST: HTMX follows ``HX-Redirect``; a plain form post gets a 303.

    A form on the page it returns to (the case page's note form, back to ``#notes``) would only
    scroll: a URL that differs from the page's by its ``#fragment`` alone loads nothing. Then
    ``HX-Refresh`` has HTMX reload the page after moving to the fragment, so the user sees what
    was saved (and the emptied form) instead of the form still filled in.
    """
    htmx = getattr(request, "htmx", None)
    if htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        target, _, fragment = url.partition("#")
        if fragment and htmx.current_url_abs_path == target:
            response["HX-Refresh"] = "true"
        return response
    response = HttpResponse(status=303)
    response["Location"] = url
    return response
