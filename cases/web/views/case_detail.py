"""One case: its page, the actions the workflow allows this user now, editing, and revealing.

Every read goes through ``cases.queries`` (a constant number of queries whatever the number of
parties, sessions and events), every write through ``cases.workflow.transition`` or
``cases.services.cases``. Forms carry the case version the user saw: when someone else changed the
case meanwhile the write is refused (409), nothing is overwritten, and the user sees the case as it
is now.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ... import queries, workflow
from ...access import ACTIONS, can, case_relations
from ...errors import (
    CaseNotFound,
    DomainError,
    InvalidInput,
    NotPermitted,
    TransitionNotAllowed,
    VersionConflict,
)
from ...models import (
    Agreement,
    AgreementForm,
    Case,
    Channel,
    ContactMethod,
    Event,
    EventKind,
    FailGuidance,
    FollowUp,
    Fulfilment,
    JudicialConfirmation,
    Outcome,
    Party,
    PartyKind,
    PartyRole,
    RiskLevel,
    Session,
    SessionMode,
    SessionStatus,
    Status,
    Transfer,
    TransferDirection,
    TransferStatus,
)
from ...services.agreements import RULINGS, confirmation_deadline
from ...services.assignment import candidates_for
from ...services.cases import Revealed, edit_case, reveal_party
from ...services.sessions import BOOKABLE_STATUSES
from ..base import add_domain_error, case_or_404, htmx_redirect, render_form
from ..forms.case import CaseEditForm, transition_data, transition_form

# --- Reading the case ---------------------------------------------------------------------------


def _load(user: Any, pk: int) -> Case:
    """The case with what its page shows, or 404 when it is outside the user's scope."""
    return case_or_404(user, pk, queries.case_page_cases(user))


def _is_htmx(request: HttpRequest) -> bool:
    """django-htmx marks requests made by HTMX (``request.htmx``)."""
    return bool(getattr(request, "htmx", False))


def _zone(case: Case) -> ZoneInfo:
    """Times are shown in the handling centre's time zone (DESIGN §6)."""
    try:
        return ZoneInfo(case.centre.timezone)
    except (ValueError, KeyError):
        return ZoneInfo("Asia/Shanghai")


def _labels(model: type[models.Model]) -> dict[str, str]:
    """Field name → capitalised verbose name, for ``dl.facts`` headings."""
    return {
        f.name: str(capfirst(f.verbose_name))
        for f in model._meta.get_fields()
        if isinstance(f, models.Field) and f.verbose_name
    }


@dataclass(frozen=True)
class PartyRow:
    party: Party
    clear: Revealed | None = None


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None
    after: str


@dataclass(frozen=True)
class TimelineEntry:
    event: Event
    title: str
    actor: str
    changes: list[Change]


# --- The timeline in words ----------------------------------------------------------------------

# Events other than transitions, by name; an unknown name falls back to its kind's label.
EVENT_TITLES: dict[str, Any] = {
    "register": _("Registered"),
    "edit": _("Edited"),
    "reveal": _("Personal data revealed"),
    "book_session": _("Session booked"),
    "record_session": _("Session recorded"),
    "cancel_session": _("Session cancelled"),
    "record_fulfilment": _("Fulfilment recorded"),
    "judicial_confirmation": _("Judicial confirmation recorded"),
    "record_follow_up": _("Follow-up recorded"),
}

# Enumerations by the key an event stores them under.
CHOICES: dict[str, type[models.TextChoices]] = {
    "status": Status,
    "channel": Channel,
    "risk_level": RiskLevel,
    "outcome": Outcome,
    "fail_guidance": FailGuidance,
    "guidance": FailGuidance,
    "fulfilment": Fulfilment,
    "direction": TransferDirection,
    "mode": SessionMode,
    "form": AgreementForm,
    "contact_method": ContactMethod,
    "judicial_confirmation": JudicialConfirmation,
    "role": PartyRole,
    "kind": PartyKind,
}
# In a session's events "status" is the session's, in a nested transfer the transfer's.
CHOICES_BY_KIND: dict[str, dict[str, type[models.TextChoices]]] = {
    EventKind.SESSION: {"status": SessionStatus},
    "transfer": {"status": TransferStatus},
}

KIND_MODELS: dict[str, type[models.Model]] = {
    EventKind.SESSION: Session,
    EventKind.FOLLOW_UP: FollowUp,
    EventKind.AGREEMENT: Agreement,
}

# Keys holding ids of rows, and the kind of row.
CENTRE_KEYS = {
    "centre",
    "transfer_target",
    "entrusting_court",
    "registering_centre",
    "from_centre",
    "to_centre",
}
MEDIATOR_KEYS = {"lead_mediator", "co_mediators", "mediators"}
REFERENCES: dict[str, str] = {
    **dict.fromkeys(CENTRE_KEYS, "centre"),
    **dict.fromkeys(MEDIATOR_KEYS, "mediator"),
    "category": "category",
    "room": "room",
}
NESTED_MODELS: dict[str, type[models.Model]] = {
    "agreement": Agreement,
    "transfer": Transfer,
    "follow_up": FollowUp,
}
EXTRA_LABELS: dict[str, Any] = {
    "reason": _("reason"),
    "note": _("note"),
    "party": _("party"),
    "parties": _("parties"),
    "session": _("session"),
    "done": _("done"),
    "id_number": _("ID number"),
    "phone": _("phone"),
    "mediators": _("mediators"),
    # A judicial confirmation applied for after the 30 days of People's Mediation Law art. 33.
    "late": _("applied after the 30-day period"),
}


class Timeline:
    """Turns a case's events into lines a person reads: "Lead mediator: — → 王调解".

    Ids stored in events become names (read in one query per kind for all events), enumeration
    codes their labels, ISO times local times. Events hold only masked personal data, so nothing
    shown here is clear.
    """

    def __init__(
        self, events: list[Event], *, parties: Iterable[Party], sessions: Iterable[Session]
    ) -> None:
        self.events = events
        self.parties = {p.pk: p for p in parties}
        self.sessions = {s.pk: s for s in sessions}
        self.labels: dict[type[models.Model], dict[str, str]] = {
            model: _labels(model) for model in (Case, Session, Agreement, Transfer, FollowUp)
        }
        self.order: dict[type[models.Model], dict[str, int]] = {
            model: {f.name: i for i, f in enumerate(model._meta.get_fields())}
            for model in (Case, Session, Agreement, FollowUp)
        }
        wanted: dict[str, set[int]] = {kind: set() for kind in REFERENCES.values()}
        for event in events:
            for values in (event.before, event.after):
                self._collect(values, wanted)
        self.names = queries.names_for_timeline(
            centres=wanted["centre"],
            mediators=wanted["mediator"],
            categories=wanted["category"],
            rooms=wanted["room"],
        )

    @staticmethod
    def _collect(values: Any, wanted: dict[str, set[int]]) -> None:
        if not isinstance(values, Mapping):
            return
        for key, value in values.items():
            if key in REFERENCES:
                ids = value if isinstance(value, list) else [value]
                wanted[REFERENCES[key]].update(i for i in ids if isinstance(i, int))
            elif isinstance(value, Mapping):
                Timeline._collect(value, wanted)

    def entries(self) -> list[TimelineEntry]:
        return [self._entry(event) for event in self.events]

    def _entry(self, event: Event) -> TimelineEntry:
        if event.kind == EventKind.TRANSITION and event.name in workflow.TRANSITIONS:
            title = str(workflow.TRANSITIONS[event.name].label)
        else:
            title = str(EVENT_TITLES.get(event.name) or event.get_kind_display())
        actor = event.actor
        who = (actor.get_full_name() or actor.get_username()) if actor else str(_("System"))
        before = event.before if isinstance(event.before, Mapping) else {}
        after = event.after if isinstance(event.after, Mapping) else {}
        order = self.order[self._model(event.kind)]
        keys = sorted(dict.fromkeys([*after, *before]), key=lambda k: self._position(k, order))
        changes = []
        for key in keys:
            if key == "id":
                continue
            changes.append(
                Change(
                    label=self._label(key, event.kind),
                    before=self._value(key, before[key], event.kind) if key in before else None,
                    after=self._value(key, after[key], event.kind) if key in after else "—",
                )
            )
        return TimelineEntry(event=event, title=title, actor=who, changes=changes)

    @staticmethod
    def _model(kind: str) -> type[models.Model]:
        """The model whose fields an event of ``kind`` mostly names."""
        return KIND_MODELS.get(kind, Case)

    @staticmethod
    def _position(key: str, order: Mapping[str, int]) -> tuple[int, str]:
        """The order changes are listed in: status first, then in the model's field order
        (events are stored as JSON, whose key order the database does not keep)."""
        if key == "status":
            return (-1, key)
        return (order.get(key, len(order)), key)

    def _label(self, key: str, kind: str) -> str:
        if key in EXTRA_LABELS:
            return str(capfirst(EXTRA_LABELS[key]))
        model = self._model(kind)
        if key in NESTED_MODELS:
            return str(capfirst(NESTED_MODELS[key]._meta.verbose_name))
        label = self.labels[model].get(key) or self.labels[Case].get(key)
        return label or key.replace("_", " ").capitalize()

    def _value(self, key: str, value: Any, kind: str) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if key in NESTED_MODELS and isinstance(value, Mapping):
            labels = _labels(NESTED_MODELS[key])
            parts = [
                f"{labels.get(k) or self._label(k, kind)} {self._value(k, v, key)}"
                for k, v in value.items()
                if k != "id"
            ]
            return "; ".join(parts) or "✓"
        if isinstance(value, list):
            if key == "parties":
                return ", ".join(self._party_summary(p) for p in value)
            return ", ".join(self._value(key, v, kind) for v in value) or "—"
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        choices = CHOICES_BY_KIND.get(kind, {}).get(key) or CHOICES.get(key)
        if choices is not None and isinstance(value, str):
            try:
                return str(choices(value).label)
            except ValueError:
                return value
        if isinstance(value, int):
            named = self._named(key, value)
            if named is not None:
                return named
        if isinstance(value, str):
            return self._time(key, value)
        return str(value)

    def _named(self, key: str, pk: int) -> str | None:
        if key in CENTRE_KEYS:
            row = self.names["centre"].get(pk)
            return row.name if row else f"#{pk}"
        if key in MEDIATOR_KEYS:
            row = self.names["mediator"].get(pk)
            return row.name if row else f"#{pk}"
        if key == "category":
            row = self.names["category"].get(pk)
            return str(row) if row else f"#{pk}"
        if key == "room":
            row = self.names["room"].get(pk)
            return row.name if row else f"#{pk}"
        if key == "party":
            party = self.parties.get(pk)
            return party.name if party else f"#{pk}"
        if key == "session":
            session = self.sessions.get(pk)
            if session is None:
                return f"#{pk}"
            return f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}"
        return None

    def _party_summary(self, party: Any) -> str:
        if not isinstance(party, Mapping):
            return str(party)
        role = party.get("role")
        try:
            role_label = str(PartyRole(role).label) if role else ""
        except ValueError:
            role_label = str(role)
        name = str(party.get("name", ""))
        return f"{name} ({role_label})" if role_label else name

    @staticmethod
    def _time(key: str, value: str) -> str:
        """ISO times as local ``Y-m-d H:i``, ISO dates as ``Y-m-d``; other text as it is."""
        if key.endswith("_at"):
            moment = parse_datetime(value)
            if isinstance(moment, datetime):
                if timezone.is_aware(moment):
                    moment = timezone.localtime(moment)
                return f"{moment:%Y-%m-%d %H:%M}"
        if key.endswith("_on") or key == "performance_deadline":
            day = parse_date(value) if len(value) == 10 else None
            if isinstance(day, date):
                return day.isoformat()
        return value


# --- The page -------------------------------------------------------------------------------------


def _page_context(
    request: HttpRequest,
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
    sessions = list(queries.case_sessions(user, case))
    parties = list(case.parties.all())
    revealed = revealed or {}
    timeline = Timeline(list(queries.case_timeline(user, case)), parties=parties, sessions=sessions)
    agreement = queries.case_agreement(user, case)
    applied_on = agreement.confirmation_applied_on if agreement is not None else None
    return {
        "case": case,
        "error": error,
        "transitions": workflow.available_transitions(user, case),
        "action": action,
        "form": action_form,
        "may": may,
        "may_edit": may["edit"] and case.is_open,
        "may_book": may["book_session"] and case.status in BOOKABLE_STATUSES,
        "party_rows": [PartyRow(p, revealed.get(p.pk)) for p in parties],
        "co_mediators": list(case.co_mediators.all()),
        "sessions": sessions,
        "agreement": agreement,
        "closing_summary": case.entrusting_court_id is not None
        and case.outcome in queries.RETURNED_TO_COURT,
        # Until the court has ruled: a ruling is final.
        "may_confirm": may["record_judicial_confirmation"]
        and agreement is not None
        and agreement.judicial_confirmation not in RULINGS,
        "confirmation_late": agreement is not None
        and applied_on is not None
        and applied_on > confirmation_deadline(agreement),
        "transfers": list(queries.case_transfers(user, case)),
        "follow_ups": list(queries.case_follow_ups(user, case)),
        "timeline": timeline.entries(),
        "labels": _labels(Case),
        "party_labels": _labels(Party),
        "agreement_labels": _labels(Agreement),
    }


def _render_page(
    request: HttpRequest, case: Case, *, status: int = 200, **extra: Any
) -> HttpResponse:
    with timezone.override(_zone(case)):
        # The context is built inside the override too: the timeline formats times in Python.
        return render(
            request, "web/case_detail.html", _page_context(request, case, **extra), status=status
        )


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
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
        targets = queries.transfer_targets(case)
    return transition_form(spec, case, data, candidates=candidates, targets=targets)


def _render_action(
    request: HttpRequest,
    case: Case,
    spec: workflow.Transition,
    form: forms.Form,
) -> HttpResponse:
    """The transition's form: a fragment for HTMX (into the case page), else a whole page."""
    template = "web/partials/case_action_form.html" if _is_htmx(request) else "web/case_action.html"
    with timezone.override(_zone(case)):
        return render_form(request, template, {"case": case, "action": spec, "form": form})


def _refused(
    request: HttpRequest,
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
def case_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
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
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
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
    categories = queries.categories_for(user)
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
    request: HttpRequest,
    case: Case,
    form: CaseEditForm,
    *,
    status: int | None = None,
    error: Any = None,
    stale: bool = False,
) -> HttpResponse:
    context = {"case": case, "form": form, "error": error, "stale": stale, "labels": _labels(Case)}
    with timezone.override(_zone(case)):
        return render_form(request, "web/case_edit.html", context, status=status)


# --- Revealing personal data --------------------------------------------------------------------


@never_cache  # the clear ID number and phone must not be kept by the browser or a proxy
@login_required
@require_POST
def party_reveal(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    """Show one party's ID number and phone in clear, for a permitted user; the service logs it.

    HTMX gets the party's fragment; a plain post gets the case page with that party revealed.
    """
    user = request.user
    case = _load(user, pk)
    party = queries.case_party(user, case, party_pk)
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
        context = {"case": case, "row": PartyRow(party, clear), "party_labels": _labels(Party)}
        context["may"] = {"reveal": True}
        return render(request, "web/partials/case_party.html", context)
    return _render_page(request, case, revealed={party.pk: clear})
