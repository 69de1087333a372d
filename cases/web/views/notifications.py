"""The bell: the user's notifications, newest first, and marking them read.

Each user sees only their own notifications; a case number links to the case only while the user
may still see it. Marking read goes through ``services.notifications.mark_read``, which ignores ids
that are not the user's.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ...queries.notifications import notifications_for, prefetch_digests
from ...services.notifications import mark_read
from ..base import AuthenticatedHttpRequest

PAGE_SIZE = 50


class MarkReadForm(forms.Form):
    id = forms.IntegerField(required=False, min_value=1)


@login_required
@require_GET
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's notifications, newest first, 50 a page."""
    paginator = Paginator(notifications_for(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    prefetch_digests(page.object_list, request.user)
    return render(request, "web/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark one notification (``id``) or, without it, all of the user's notifications read."""
    form = MarkReadForm(request.POST)
    ids = None
    if form.is_valid() and form.cleaned_data["id"] is not None:
        ids = [form.cleaned_data["id"]]
    elif not form.is_valid():
        ids = []  # a malformed id marks nothing rather than everything
    count = mark_read(user=request.user, ids=ids)
    if ids is None:
        messages.success(request, _("All notifications marked as read."))
    elif count:
        messages.success(request, _("Notification marked as read."))
    return HttpResponseRedirect(_back(request), status=303)


def _back(request: AuthenticatedHttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:notifications")
