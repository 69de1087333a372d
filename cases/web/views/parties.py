"""A case's parties changed from the case page: add one, correct one, remove one registered by
mistake, each a form page with its reason, through ``cases.services.parties``.

404 for a case (or a party) out of the user's scope, 403 for one the user reads but may not edit
or once the case is concluded, 400 with the errors at the fields for bad input, 409 when the case
changed meanwhile (the form comes back with the case's new version) or the change is refused in
its state (the only applicant, an agreement).
"""

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ...access import can
from ...errors import CaseNotFound, DomainError, NotPermitted, TransitionNotAllowed, VersionConflict
from ...models import Case, Party
from ...queries import cases as case_queries
from ...services import parties as party_changes
from ..base import (
    AuthenticatedHttpRequest,
    add_domain_error,
    case_or_404,
    htmx_redirect,
    render_form,
)
from ..forms.parties import PartyChangeForm, PartyRemoveForm, initial_for


def _case(request: AuthenticatedHttpRequest, pk: int) -> Case:
    case = case_or_404(request.user, pk)
    if not can(request.user, "edit", case):
        raise PermissionDenied()
    if not case.is_open:
        raise PermissionDenied(_("A concluded case's parties can no longer be changed."))
    return case


def _party(request: AuthenticatedHttpRequest, case: Case, party_pk: int) -> Party:
    party = case_queries.case_party(request.user, case, party_pk)
    if party is None:
        raise Http404()
    return party


def _save(
    request: AuthenticatedHttpRequest,
    case: Case,
    template: str,
    context: dict[str, Any],
    form: forms.Form,
    change: Callable[[], object],
    done: Any,
) -> HttpResponse:
    """Make ``change`` (a call of the service) and go back to the case's parties with ``done``;
    or the form again with what refused it."""
    try:
        change()
    except CaseNotFound:
        raise Http404() from None
    except NotPermitted:
        raise PermissionDenied() from None
    except DomainError as error:
        return _refused(request, template, context, form, error)
    messages.success(request, done)
    return htmx_redirect(request, reverse("web:case_detail", args=[case.pk]) + "#parties")


def _refused(
    request: AuthenticatedHttpRequest,
    template: str,
    context: dict[str, Any],
    form: forms.Form,
    error: DomainError,
) -> HttpResponse:
    """The form again with the refusal: a stale version is replaced by the current one, so that
    saving again is a choice made knowingly."""
    if isinstance(error, VersionConflict):
        data = cast(QueryDict, form.data).copy()
        data["version"] = str(error.current_version)
        form.data = data
        context["error"] = error.message
        return render_form(request, template, context, status=409)
    if isinstance(error, TransitionNotAllowed):
        context["error"] = error.message
        return render_form(request, template, context, status=409)
    add_domain_error(form, error)
    return render_form(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def party_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add a party to the case (the intake's party fields and a reason)."""
    case = _case(request, pk)
    if request.method == "POST":
        form = PartyChangeForm(request.POST)
    else:
        form = PartyChangeForm(initial={"version": case.version})
    context = {"case": case, "form": form, "party": None}
    template = "web/party_form.html"
    if request.method == "POST" and form.is_valid():
        return _save(
            request, case, template, context, form,
            lambda: party_changes.add_party(
                case=case, actor=request.user, data=form.party_data(),
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            ),
            _("Party added to case %(number)s.") % {"number": case.number},
        )  # fmt: skip
    return render_form(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def party_correct(request: AuthenticatedHttpRequest, pk: int, party_pk: int) -> HttpResponse:
    """Correct a party's details; the ID number and phone are typed again only to change them."""
    case = _case(request, pk)
    party = _party(request, case, party_pk)
    if request.method == "POST":
        form = PartyChangeForm(request.POST, party=party)
    else:
        form = PartyChangeForm(party=party, initial=initial_for(party, case.version))
    context = {"case": case, "form": form, "party": party}
    template = "web/party_form.html"
    if request.method == "POST" and form.is_valid():
        return _save(
            request, case, template, context, form,
            lambda: party_changes.correct_party(
                party=party, actor=request.user, changes=form.changes(),
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            ),
            _("%(name)s: details corrected.") % {"name": party.name},
        )  # fmt: skip
    return render_form(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def party_remove(request: AuthenticatedHttpRequest, pk: int, party_pk: int) -> HttpResponse:
    """Confirm, with a reason, the removal of a party registered by mistake."""
    case = _case(request, pk)
    party = _party(request, case, party_pk)
    if request.method == "POST":
        form = PartyRemoveForm(request.POST)
    else:
        form = PartyRemoveForm(initial={"version": case.version})
    context = {"case": case, "form": form, "party": party}
    template = "web/party_remove.html"
    if request.method == "POST" and form.is_valid():
        return _save(
            request, case, template, context, form,
            lambda: party_changes.remove_party(
                party=party, actor=request.user, reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            ),
            _("%(name)s removed from the case.") % {"name": party.name},
        )  # fmt: skip
    return render_form(request, template, context)
