"""The similar-cases panel (类案参考) of the case page, loaded when the user opens it.

The case page itself only holds a closed ``<details>`` pointing here: its queries and time do not
grow; this view answers the panel (a fragment for HTMX, a page of its own otherwise).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ...access import can
from ...queries.similar import TERMS_CHARS, similar_cases
from ..base import AuthenticatedHttpRequest, case_or_404


@login_required
@require_GET
def case_similar(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Up to five resolved cases like this one: 404 outside the user's scope, 403 for a user who
    sees the case but is not among those the panel is for (``access.ACTIONS["similar_cases"]``)."""
    user = request.user
    case = case_or_404(user, pk)
    if not can(user, "similar_cases", case):
        raise PermissionDenied()
    context = {"case": case, "similar": similar_cases(case, user), "terms_chars": TERMS_CHARS}
    fragment = bool(getattr(request, "htmx", False))
    template = "web/partials/case_similar.html" if fragment else "web/case_similar.html"
    return render(request, template, context)
