"""The early warnings (``/warnings/``; docs/web.md, "Early warnings"): the list for directors (their
subtrees') and administrators (every one), filtered by status, rule and centre, 50 a page newest
first; a warning's page with its reason, the cases it links that the reader may see, and the
forms that acknowledge, assign and dismiss it. Anyone else gets 403; a warning outside the
reader's subtrees is a 404, like a missing one."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ...access import directs_all
from ...errors import DomainError, NotPermitted
from ...models import EarlyWarning, WarningStatus
from ...queries.warnings import (
    WarningFilter,
    can_handle_warnings,
    linked_case_count,
    warning_centres,
    warnings_for,
)
from ...services import warnings
from ..base import AuthenticatedHttpRequest, add_domain_error
from ..forms.warnings import AssignForm, DismissForm

PAGE_SIZE = 50


def _require(request: AuthenticatedHttpRequest) -> None:
    if not can_handle_warnings(request.user):
        raise PermissionDenied(_("Only centre directors and administrators see early warnings."))


@login_required
@require_GET
def warning_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The warnings, newest first, 50 a page; the filters above them."""
    _require(request)
    filterset = WarningFilter(request.GET, queryset=warnings_for(request.user), request=request)
    valid = filterset.is_valid()
    found = filterset.qs if valid else warnings_for(request.user).none()
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    chosen = request.GET.get("centre", "")
    shown: list[EarlyWarning] = list(page.object_list)
    counts = linked_case_count(shown)
    for warning in shown:
        warning.case_total = counts.get(warning.pk, 0)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "form": filterset.form,
        "page": page,
        "centres": warning_centres(request.user).filter(warnings__isnull=False).distinct(),
        "chosen_centre": chosen,
        "query": query.urlencode(),
    }
    return render(request, "web/warnings.html", context, status=200 if valid else 400)


def _page(
    request: AuthenticatedHttpRequest,
    warning: EarlyWarning,
    *,
    assign_form: AssignForm | None = None,
    dismiss_form: DismissForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_act = warning.status != WarningStatus.DISMISSED and directs_all(
        request.user, [warning.centre]
    )
    context: dict[str, Any] = {
        "warning": warning,
        "cases": list(warning.cases.all()),
        "hidden": linked_case_count([warning]).get(warning.pk, 0) - len(warning.cases.all()),
        "may_act": may_act,
        "assign_form": assign_form or AssignForm(warning=warning),
        "dismiss_form": dismiss_form or DismissForm(),
    }
    return render(request, "web/warning.html", context, status=status)


def _found(request: AuthenticatedHttpRequest, pk: int) -> EarlyWarning:
    return get_object_or_404(warnings_for(request.user), pk=pk)


@login_required
@require_GET
def warning_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _page(request, _found(request, pk))


def _done(request: AuthenticatedHttpRequest, warning: EarlyWarning, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("web:warning", pk=warning.pk)


def _refused(form: forms.Form, error: DomainError) -> None:
    if isinstance(error, NotPermitted):
        raise PermissionDenied(str(error))
    add_domain_error(form, error)


@login_required
@require_POST
def warning_acknowledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    warning = _found(request, pk)
    try:
        warnings.acknowledge(actor=request.user, warning=warning)
    except NotPermitted as error:
        raise PermissionDenied(str(error)) from None
    except DomainError as error:
        messages.error(request, str(next(iter(error.fields.values()), [error.message])[0]))
        return redirect("web:warning", pk=warning.pk)
    return _done(request, warning, _("Warning acknowledged."))


@login_required
@require_POST
def warning_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    warning = _found(request, pk)
    form = AssignForm(request.POST, warning=warning)
    if form.is_valid():
        try:
            warnings.assign(actor=request.user, warning=warning, user=form.cleaned_data["user"])
        except DomainError as error:
            _refused(form, error)
        else:
            return _done(request, warning, _("Warning assigned."))
    return _page(request, warning, assign_form=form, status=400)


@login_required
@require_POST
def warning_dismiss(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    warning = _found(request, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            warnings.dismiss(
                actor=request.user, warning=warning, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            _refused(form, error)
        else:
            return _done(request, warning, _("Warning dismissed."))
    return _page(request, warning, dismiss_form=form, status=400)
