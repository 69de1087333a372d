"""The mediator roster and a mediator's profile: seats, specialties, languages, current load.

Both read through ``cases.queries`` (``mediators_for``: mediators serving where the user may see);
a profile's cases and sessions are only those the *user* may see. Declared conflicts of interest
name people and are never shown here.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from ...queries import mediators as mediator_queries
from ..base import AuthenticatedHttpRequest, render_form
from ..forms.mediators import RosterFilterForm

PAGE_SIZE = 25
PROFILE_LIMIT = 50


@login_required
@require_GET
def mediator_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The roster of mediators the user may see, filtered and paginated."""
    form = RosterFilterForm(request.GET, user=request.user)
    form.offer_near()
    context: dict[str, object] = {"form": form, "page": None}
    if form.is_valid():
        mediators = mediator_queries.roster(request.user, **form.filters())
        page = Paginator(mediators, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(page=page, query=query.urlencode())
    template = (
        "web/partials/mediator_rows.html"
        if getattr(request, "htmx", False)
        else "web/mediator_list.html"
    )
    return render_form(request, template, context)


@login_required
@require_GET
def mediator_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One mediator's profile, their open cases and upcoming sessions within the user's scope."""
    mediator = get_object_or_404(mediator_queries.mediators_for(request.user), pk=pk)
    context = {
        "mediator": mediator,
        "cases": list(mediator_queries.open_cases(request.user, mediator)[:PROFILE_LIMIT]),
        "sessions": list(
            mediator_queries.mediator_upcoming_sessions(request.user, mediator)[:PROFILE_LIMIT]
        ),
        "limit": PROFILE_LIMIT,
    }
    return render_form(request, "web/mediator_detail.html", context)
