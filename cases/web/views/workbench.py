"""The workbench (home page): what needs the user now, by role."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ... import queries
from ...services.transfers import incoming_for

LIST_LIMIT = 20


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "my_cases": list(queries.my_open_cases(user)[:LIST_LIMIT]),
        "queue": list(queries.unassigned_queue(user)[:LIST_LIMIT]),
        "incoming": list(incoming_for(user).order_by("requested_at", "id")[:LIST_LIMIT]),
        "sessions": list(queries.sessions_on(user, timezone.localdate())),
        "supervised": [queries.work_in_hand(user, c) for c in queries.supervised_subtrees(user)],
        "limit": LIST_LIMIT,
    }
    return render(request, "web/workbench.html", context)
