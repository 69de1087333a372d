"""One case: its page, the actions the workflow allows this user now, editing, and revealing.

Every read goes through ``cases.queries`` (a constant number of queries whatever the number of
parties, sessions and events), every write through ``cases.workflow.transition`` or
``cases.services.cases``. Forms carry the case version the user saw: when someone else changed the
case meanwhile the write is refused (409), nothing is overwritten, and the user sees the case as it
is now.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ... import deadlines, workflow
from ...access import ACTIONS, can, case_relations, registered_only
from ...deadlines import confirmation_deadline
from ...errors import (
    CaseNotFound,
    DomainError,
    InvalidInput,
    NotPermitted,
    TransitionNotAllowed,
    VersionConflict,
)
from ...models import Agreement, Case, Party, Session
from ...queries import cases as case_queries
from ...queries.attachments import case_attachments
from ...queries.categories import categories_for
from ...queries.mediators import candidates_for
from ...queries.notes import case_notes
from ...queries.sessions import booked_after, case_sessions
from ...queries.timeline import CaseTimeline, case_timeline, verbose_names
from ...queries.transfers import case_transfers, transfer_targets
from ...services.agreements import RULINGS
from ...services.cases import Revealed, edit_case, reveal_party
from ...services.sessions import BOOKABLE_STATUSES
from ..base import (
    AuthenticatedHttpRequest,
    add_domain_error,
    case_or_404,
    htmx_redirect,
    render_form,
)
from ..forms.case import CaseEditForm, transition_data, transition_form
from ..forms.notes import NoteForm
from .attachments import attachment_form

# --- Reading the case ---------------------------------------------------------------------------


def _load(user: User, pk: int) -> Case:
    """The case with what its page shows, or 404 when it is outside the user's scope."""
    return case_or_404(user, pk, case_queries.detailed_cases(user))


def _is_htmx(request: AuthenticatedHttpRequest) -> bool:
    """django-htmx marks requests made by HTMX (``request.htmx``)."""
    return bool(getattr(request, "htmx", False))


def _zone(case: Case) -> ZoneInfo:
    """Times are shown in the handling centre's time zone (DESIGN §6)."""
    try:
        return ZoneInfo(case.centre.timezone)
    except (ValueError, KeyError):
        return ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class PartyRow:
    party: Party
    clear: Revealed | None = None


# --- The page -------------------------------------------------------------------------------------


def _page_context(
    request: AuthenticatedHttpRequest,
    case: Case,
    *,
    revealed: Mapping[int, Revealed] | None = None,
    action: workflow.Transition | None = None,
    action_form: forms.Form | None = None,
    error: Any = None,
) -> dict[str, Any]:
    user = request.user
    relations = case_relations(user, case)
    may = {name: can(user, name, case, relations) for name in ACTIONS}
    sessions = list(case_sessions(user, case))
    parties = list(case.parties.all())
    revealed = revealed or {}
    timeline = CaseTimeline(
        list(case_timeline(user, case)),
        parties=parties,
        sessions=sessions,
        transition_titles={name: spec.label for name, spec in workflow.TRANSITIONS.items()},
    )
    notes = case_notes(user, case)
    # Registration sight alone reads no files (``read_files``): none are listed either.
    attachments = list(case_attachments(user, case, withdrawn=True)) if may["read_files"] else []
    agreement = case_queries.case_agreement(user, case)
    applied_on = agreement.confirmation_applied_on if agreement is not None else None
    return {
        "case": case,
        "error": error,
        "transitions": workflow.available_transitions(user, case),
        "action": action,
        "form": action_form,
        "sessions_to_cancel": _sessions_to_cancel(case, action),
        "may": may,
        "registered_only": registered_only(relations),
        "may_edit": may["edit"] and case.is_open,
        "may_book": may["book_session"] and case.status in BOOKABLE_STATUSES,
        "party_rows": [PartyRow(p, revealed.get(p.pk)) for p in parties],
        "co_mediators": list(case.co_mediators.all()),
        "sessions": sessions,
        "notes": list(notes),
        "note_form": NoteForm(notes=notes) if may["write_note"] else None,
        # Evidence and attachments (issue 19): the withdrawn ones listed apart.
        "attachments": [a for a in attachments if not a.withdrawn],
        "withdrawn_attachments": [a for a in attachments if a.withdrawn],
        "attachment_form": attachment_form(request, case) if may["attach"] else None,
        "agreement": agreement,
        "closing_summary": case.entrusting_court_id is not None
        and case.outcome in case_queries.RETURNED_TO_COURT,
        # Until the court has ruled: a ruling is final.
        "may_confirm": may["record_judicial_confirmation"]
        and agreement is not None
        and agreement.judicial_confirmation not in RULINGS,
        **_confirmation_window(case, agreement),
        "confirmation_late": agreement is not None
        and applied_on is not None
        and applied_on > confirmation_deadline(agreement),
        "transfers": list(case_transfers(user, case)),
        "follow_ups": list(case_queries.case_follow_ups(user, case)),
        "timeline": timeline.entries(),
        "labels": verbose_names(Case),
        "party_labels": verbose_names(Party),
        "agreement_labels": verbose_names(Agreement),
    }


def _confirmation_window(case: Case, agreement: Agreement | None) -> dict[str, Any]:
    """The judicial confirmation window (art. 33) the agreement section shows, in the centre's
    local dates: open with the days left, closed, or nothing (applied for, or no agreement)."""
    if agreement is None:
        return {}
    today = deadlines.local_today(case.centre)
    return {
        "confirmation_window": str(
            deadlines.confirmation_window(agreement, status=case.status, today=today)
        ),
        "confirmation_closes_on": confirmation_deadline(agreement),
        "confirmation_days_left": deadlines.confirmation_days_left(agreement, today=today),
    }


def _render_page(
    request: AuthenticatedHttpRequest, case: Case, *, status: int = 200, **extra: Any
) -> HttpResponse:
    with timezone.override(_zone(case)):
        # The context is built inside the override too: the timeline formats times in Python.
        return render(
            request, "web/case_detail.html", _page_context(request, case, **extra), status=status
        )


@login_required
@require_GET
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The case page: facts, parties (masked), mediators, sessions, agreement, transfers,
    follow-ups, the timeline, and a button for each transition the workflow allows the user now."""
    return _render_page(request, _load(request.user, pk))


# --- Actions (workflow transitions) -------------------------------------------------------------


def _transition_form(spec: workflow.Transition, case: Case, data: Any = None) -> forms.Form:
    candidates: list[Any] = []
    targets: dict[str, Any] = {}
    if spec.name == "assign":
        candidates = list(candidates_for(case).select_related("home_centre"))
    elif spec.name == "transfer":
        targets = transfer_targets(case)
    return transition_form(spec, case, data, candidates=candidates, targets=targets)


def _sessions_to_cancel(case: Case, spec: workflow.Transition | None) -> list[Session]:
    """The sessions that performing ``spec`` now would cancel: its form lists them."""
    if spec is None or not workflow.cancels_sessions(spec):
        return []
    booked = booked_after(case, timezone.now()).select_related("room")
    return list(booked.prefetch_related("mediators"))


def _render_action(
    request: AuthenticatedHttpRequest,
    case: Case,
    spec: workflow.Transition,
    form: forms.Form,
) -> HttpResponse:
    """The transition's form: a fragment for HTMX (into the case page), else a whole page."""
    template = "web/partials/case_action_form.html" if _is_htmx(request) else "web/case_action.html"
    with timezone.override(_zone(case)):
        context = {
            "case": case,
            "action": spec,
            "form": form,
            "sessions_to_cancel": _sessions_to_cancel(case, spec),
        }
        return render_form(request, template, context)


def _refused(
    request: AuthenticatedHttpRequest,
    pk: int,
    error: DomainError,
    spec: workflow.Transition,
    data: Any = None,
) -> HttpResponse:
    """409: the action cannot be done on the case as it is now. Show the case as it is now, with
    the reason; if the action is still possible, its form comes back filled in with what the user
    typed and the current version, to send again knowingly. Nothing was changed."""
    case = _load(request.user, pk)
    form = None
    if spec in workflow.available_transitions(request.user, case):
        if data is not None:
            data = data.copy()
            data["version"] = str(case.version)
        form = _transition_form(spec, case, data)
    response = _render_page(
        request,
        case,
        status=409,
        action=spec if form else None,
        action_form=form,
        error=error.message,
    )
    if _is_htmx(request):
        # The request aimed at the action panel; the answer replaces the whole page's content.
        response["HX-Retarget"] = "#main"
        response["HX-Reswap"] = "outerHTML"
        response["HX-Reselect"] = "#main"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def case_action(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    """``GET``: the small form of transition ``name``; ``POST``: perform it through the workflow.

    404 for an unknown transition or a case out of scope, 403 for a user whose relation to the case
    never allows it, 409 when the case's status does not allow it now or the case changed since
    the form was rendered, 400 with the errors at the fields for bad input.
    """
    spec = workflow.TRANSITIONS.get(name)
    if spec is None:
        raise Http404()
    user = request.user
    case = _load(user, pk)
    if not workflow.may_perform(user, name, case):
        raise PermissionDenied()
    refused = workflow.refusal(spec, case)
    if refused is not None:
        return _refused(request, pk, refused, spec)
    if request.method == "GET":
        return _render_action(request, case, spec, _transition_form(spec, case))

    form = _transition_form(spec, case, request.POST)
    if not form.is_valid():
        return _render_action(request, case, spec, form)
    try:
        workflow.transition(
            case=case,
            name=name,
            actor=user,
            data=transition_data(spec, form),
            expected_version=form.cleaned_data["version"],
        )
    except CaseNotFound:
        raise Http404() from None
    except (VersionConflict, TransitionNotAllowed) as error:
        return _refused(request, pk, error, spec, request.POST)
    except InvalidInput as error:
        add_domain_error(form, error, prefix=f"{spec.nested}." if spec.nested else "")
        return _render_action(request, case, spec, form)
    messages.success(
        request,
        _("%(action)s: done for case %(number)s.") % {"action": spec.label, "number": case.number},
    )
    return htmx_redirect(request, reverse("web:case_detail", args=[case.pk]))


# --- Editing ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Edit the case's descriptive fields (summary, facts, category, amount, location, risk).

    403 for a user who may see the case but not edit it, or once the case is concluded; 409 and
    nothing saved when someone else changed the case since the form was rendered.
    """
    user = request.user
    case = _load(user, pk)
    if not can(user, "edit", case):
        raise PermissionDenied()
    if not case.is_open:
        if request.method == "POST" and request.POST.get("version") != str(case.version):
            # The form was opened before the case was concluded: say what happened meanwhile.
            conflict = VersionConflict(case.version)
            return _render_page(request, case, status=409, error=conflict.message)
        raise PermissionDenied(_("A concluded case can no longer be edited."))
    categories = categories_for(user)
    if request.method == "GET":
        form = CaseEditForm(case=case, categories=categories)
        return _render_edit(request, case, form)
    form = CaseEditForm(request.POST, case=case, categories=categories)
    if not form.is_valid():
        return _render_edit(request, case, form)
    try:
        edit_case(
            case=case,
            actor=user,
            changes=form.changes(),
            expected_version=form.cleaned_data["version"],
        )
    except CaseNotFound:
        raise Http404() from None
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except VersionConflict as error:
        # Show what the case holds now beside what the user typed (kept, with the current
        # version): they decide, knowingly, whether to save again.
        current = _load(user, pk)
        if not (current.is_open and can(user, "edit", current)):
            # Concluded (or out of the user's hands) meanwhile: nothing left to edit.
            return _render_page(request, current, status=409, error=error.message)
        data = request.POST.copy()
        data["version"] = str(current.version)
        form = CaseEditForm(data, case=current, categories=categories)
        return _render_edit(request, current, form, status=409, error=error.message, stale=True)
    except DomainError as error:
        add_domain_error(form, error)
        return _render_edit(request, case, form)
    messages.success(request, _("Case %(number)s saved.") % {"number": case.number})
    return htmx_redirect(request, reverse("web:case_detail", args=[case.pk]))


def _render_edit(
    request: AuthenticatedHttpRequest,
    case: Case,
    form: CaseEditForm,
    *,
    status: int | None = None,
    error: Any = None,
    stale: bool = False,
) -> HttpResponse:
    context = {
        "case": case,
        "form": form,
        "error": error,
        "stale": stale,
        "labels": verbose_names(Case),
    }
    with timezone.override(_zone(case)):
        return render_form(request, "web/case_edit.html", context, status=status)


# --- Revealing personal data --------------------------------------------------------------------


@never_cache  # the clear ID number and phone must not be kept by the browser or a proxy
@login_required
@require_POST
def party_reveal(request: AuthenticatedHttpRequest, pk: int, party_pk: int) -> HttpResponse:
    """Show one party's ID number and phone in clear, for a permitted user; the service logs it.

    HTMX gets the party's fragment; a plain post gets the case page with that party revealed.
    """
    user = request.user
    case = _load(user, pk)
    party = case_queries.case_party(user, case, party_pk)
    if party is None:
        raise Http404()
    if not can(user, "reveal", case):
        raise PermissionDenied()
    try:
        clear = reveal_party(party=party, actor=user)
    except CaseNotFound:
        raise Http404() from None
    except NotPermitted:
        raise PermissionDenied() from None
    if _is_htmx(request):
        context = {
            "case": case,
            "row": PartyRow(party, clear),
            "party_labels": verbose_names(Party),
        }
        context["may"] = {"reveal": True}
        context["may_edit"] = case.is_open and can(user, "edit", case)
        return render(request, "web/partials/case_party.html", context)
    return _render_page(request, case, revealed={party.pk: clear})
