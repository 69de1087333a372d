"""The workbench (home page): what needs the user now, by role."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ...access import scope_of
from ...queries.centres import supervised_subtrees
from ...queries.mediators import open_cases
from ...queries.sessions import sessions_on
from ...queries.transfers import incoming_for
from ...queries.workbench import unassigned_queue, work_in_hand
from ..base import AuthenticatedHttpRequest

LIST_LIMIT = 20


@login_required
def workbench(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "my_cases": list(open_cases(user, scope_of(user).mediator)[:LIST_LIMIT]),
        "queue": list(unassigned_queue(user)[:LIST_LIMIT]),
        "incoming": list(incoming_for(user).order_by("requested_at", "id")[:LIST_LIMIT]),
        "sessions": list(sessions_on(user, timezone.localdate())),
        "supervised": [work_in_hand(user, c) for c in supervised_subtrees(user)],
        "limit": LIST_LIMIT,
    }
    return render(request, "web/workbench.html", context)
