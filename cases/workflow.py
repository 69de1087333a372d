"""The case lifecycle (DESIGN §4): the transition table as data, and the one function that performs it.

``TRANSITIONS`` says, for each transition, the statuses it leaves from, the status it leads to, who may
perform it (``cases.access.Relation``), the data it needs (a form) and any further condition on the
case (``extend``: once). ``transition()`` locks the case row, checks all of that, applies the
transition's effect, writes one event and bumps the version, in one transaction. Nothing else sets
``Case.status``. A transition that concludes the case (``ENDS_SESSIONS``) also cancels the sessions
still booked ahead, one event each.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import deadlines
from .access import Relation, case_relations
from .errors import CaseNotFound, InvalidInput, TransitionNotAllowed, VersionConflict
from .formfields import IdChoiceField, IdMultipleChoiceField, WholeNumberField
from .models import (
    OPEN_STATUSES,
    Agreement,
    AgreementForm,
    Case,
    Centre,
    CentreKind,
    EventKind,
    FailGuidance,
    FollowUp,
    Fulfilment,
    Mediator,
    Status,
    Transfer,
    TransferDirection,
    TransferStatus,
)
from .services import agreements, events, notifications, sessions

S = Status
R = Relation
SUPERVISORS = frozenset({R.ADMIN, R.DIRECTOR})
WORKERS = frozenset({R.ADMIN, R.DIRECTOR, R.MEDIATOR})
RECEIVERS = frozenset({R.ADMIN, R.RECEIVER})


# --- The data each transition needs -------------------------------------------------------------


class NoData(forms.Form):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea)


class AssignForm(forms.Form):
    lead_mediator = IdChoiceField(
        label=_("Lead mediator"), queryset=Mediator.objects.filter(active=True)
    )
    co_mediators = IdMultipleChoiceField(
        label=_("Co-mediators"), queryset=Mediator.objects.filter(active=True), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead, co = data.get("lead_mediator"), data.get("co_mediators") or []
        if lead is not None and lead in co:
            self.add_error("co_mediators", _("The lead mediator cannot also be a co-mediator."))
        return data


class AgreementDataForm(forms.Form):
    terms = forms.CharField(label=_("Terms"), max_length=20000, widget=forms.Textarea)
    amount_agreed = forms.DecimalField(
        label=_("Amount agreed (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    form = forms.ChoiceField(
        label=_("Form"),
        choices=AgreementForm.choices,
        initial=AgreementForm.WRITTEN,
        required=False,
    )
    signed_on = forms.DateField(label=_("Signed on"), required=False)
    effective_on = forms.DateField(label=_("Takes effect on"), required=False)
    performance_deadline = forms.DateField(label=_("Performance deadline"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        signed, effective = data.get("signed_on"), data.get("effective_on")
        if signed and effective and effective < signed:
            self.add_error(
                "effective_on", _("An agreement cannot take effect before it is signed.")
            )
        deadline = data.get("performance_deadline")
        if deadline and (effective or signed) and deadline < (effective or signed):
            self.add_error(
                "performance_deadline",
                _("The performance deadline is before the agreement takes effect."),
            )
        return data


class FailForm(forms.Form):
    guidance = forms.ChoiceField(label=_("Guidance given"), choices=FailGuidance.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea)


class CloseForm(forms.Form):
    fulfilment = forms.ChoiceField(
        label=_("Fulfilment"), choices=Fulfilment.choices, required=False
    )


class ExtendForm(forms.Form):
    days = WholeNumberField(
        label=_("Extra days"),
        min_value=1,
        max_value=deadlines.MAX_EXTENSION_DAYS,
        help_text=_("Added to the running deadline. A case's deadline can be extended once."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea)


class TransferForm(forms.Form):
    target_centre = IdChoiceField(
        label=_("Transfer to"), queryset=Centre.objects.filter(active=True)
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea)


# --- The table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    case: Case
    actor: User | None  # None: the application's own sweep (``system=True``)
    data: dict[str, Any]
    at: datetime
    system: bool = False
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)

    def change(self, **values: Any) -> None:
        """Set fields on the case, noting old and new values for the event."""
        for name, value in values.items():
            old = getattr(self.case, name)
            if old != value:
                self.before[name] = old
                self.after[name] = value
                setattr(self.case, name, value)


@dataclass(frozen=True)
class Transition:
    name: str
    label: Any
    sources: frozenset[Status]
    # None: the status stays as it is, unless the effect sets it (return_transfer goes back where
    # it was before the transfer; extend leaves it unchanged).
    target: Status | None
    actors: frozenset[Relation]
    form: type[forms.Form] = NoData
    nested: str = ""  # the key holding the form's data, e.g. resolve {"agreement": {...}}
    effect: Callable[[Context], None] | None = None
    # A condition on the case beyond its status (extend: not extended yet). When it is false the
    # transition is not offered, and performing it is refused with ``unavailable``.
    available: Callable[[Case], bool] | None = None
    unavailable: Any = None  # the refusal's message; None: TransitionNotAllowed's own

    def possible_on(self, case: Case) -> bool:
        """Does the case, as it is now, allow this transition (whoever asks)?"""
        return case.status in self.sources and (self.available is None or self.available(case))


def _clocks(case: Case, centre: Centre | None = None) -> deadlines.Clocks:
    """The clocks configured where the case is handled (or is about to be) for its channel."""
    return deadlines.clocks_for(centre or case.centre, case.channel)


def _accept(ctx: Context) -> None:
    case = ctx.case
    ctx.change(
        accepted_at=ctx.at,
        due_at=deadlines.mediation_due(
            ctx.at, entrusted_on=case.entrusted_on, clocks=_clocks(case)
        ),
    )


def _decline(ctx: Context) -> None:
    ctx.change(decline_reason=ctx.data["reason"])


def _assign(ctx: Context) -> None:
    case, lead, co = ctx.case, ctx.data["lead_mediator"], list(ctx.data["co_mediators"] or [])
    problems: dict[str, list[Any]] = {}
    for key, mediator in [("lead_mediator", lead)] + [("co_mediators", m) for m in co]:
        if not _serves(mediator, case.centre):
            problems.setdefault(key, []).append(
                _("%(name)s does not serve at this centre.") % {"name": mediator.name}
            )
        conflict = _conflict_with(mediator, case)
        if conflict:
            problems.setdefault(key, []).append(
                _("%(name)s has declared a conflict of interest with %(party)s.")
                % {"name": mediator.name, "party": conflict}
            )
    if case.lead_mediator_id != lead.pk:
        load = Case.objects.filter(lead_mediator=lead, status__in=OPEN_STATUSES).count()
        if load >= lead.capacity:
            problems.setdefault("lead_mediator", []).append(
                _("%(name)s already leads %(load)d open cases (capacity %(capacity)d).")
                % {"name": lead.name, "load": load, "capacity": lead.capacity}
            )
    if problems:
        raise InvalidInput(fields=problems)
    old_co = sorted(case.co_mediators.values_list("pk", flat=True))
    new_co = sorted(m.pk for m in co)
    ctx.change(lead_mediator=lead)
    if case.assigned_at is None:
        ctx.change(assigned_at=ctx.at)
    if old_co != new_co:
        case.co_mediators.set(co)
        ctx.before["co_mediators"], ctx.after["co_mediators"] = old_co, new_co


def _serves(mediator: Mediator, centre: Centre) -> bool:
    """A mediator serves at their home centre, their seats, and the centres below them."""
    if not mediator.active:
        return False
    homes = [mediator.home_centre, *mediator.seats.all()]
    return any(centre.is_within(home) for home in homes)


def _conflict_with(mediator: Mediator, case: Case) -> str:
    declared = [line.strip() for line in mediator.conflicts.splitlines() if line.strip()]
    if not declared:
        return ""
    for party in case.parties.all():
        if any(d in party.name or party.name in d for d in declared):
            return party.name
    return ""


def _suspend(ctx: Context) -> None:
    ctx.change(suspended_at=ctx.at)
    ctx.after["reason"] = ctx.data["reason"]


def _resume(ctx: Context) -> None:
    case = ctx.case
    assert case.suspended_at is not None
    ctx.change(
        due_at=deadlines.resumed_due(case.due_at, case.suspended_at, ctx.at), suspended_at=None
    )


def _not_extended(case: Case) -> bool:
    return case.extended_at is None


def _extend(ctx: Context) -> None:
    """Move the running deadline by the days given, once (DESIGN §4).

    While registered the clock is the acceptance decision; otherwise it is ``due_at``, also while
    suspended: resuming then moves the extended deadline by the time paused, as before.
    """
    case = ctx.case
    clock = "acceptance_due_at" if case.status == Status.REGISTERED else "due_at"
    due = getattr(case, clock)
    if due is None:
        raise TransitionNotAllowed(_("This case has no running deadline to extend."))
    days = ctx.data["days"]
    ctx.change(
        **{clock: deadlines.extended_due(due, days)},
        extended_at=ctx.at,
        extension_days=days,
        extension_reason=ctx.data["reason"],
    )


def _resolve(ctx: Context) -> None:
    data = ctx.data
    # Signed and taking effect are things that have happened: not after today at the centre.
    future = deadlines.future_dates(
        ctx.case.centre,
        prefix="agreement.",
        signed_on=data.get("signed_on"),
        effective_on=data.get("effective_on"),
    )
    if future:
        raise InvalidInput(fields=future)
    today = deadlines.local_today(ctx.case.centre, ctx.at)
    signed = data.get("signed_on") or today
    agreement = Agreement.objects.create(
        case=ctx.case,
        terms=data["terms"],
        amount_agreed=data.get("amount_agreed"),
        form=data.get("form") or AgreementForm.WRITTEN,
        signed_on=signed,
        effective_on=data.get("effective_on") or signed,
        performance_deadline=data.get("performance_deadline"),
        created_at=ctx.at,
    )
    ctx.change(outcome=Status.RESOLVED, concluded_at=ctx.at)
    ctx.after["agreement"] = {
        "id": agreement.pk,
        "amount_agreed": agreement.amount_agreed,
        "performance_deadline": agreement.performance_deadline,
    }


def _fail(ctx: Context) -> None:
    ctx.change(
        outcome=Status.FAILED,
        concluded_at=ctx.at,
        fail_guidance=ctx.data["guidance"],
        outcome_note=ctx.data.get("note") or "",
    )
    _return_to_court(ctx)


def _withdraw(ctx: Context) -> None:
    ctx.change(outcome=Status.WITHDRAWN, concluded_at=ctx.at, outcome_note=ctx.data["reason"])
    _return_to_court(ctx)


def _return_to_court(ctx: Context) -> None:
    """A court-entrusted case that ends without agreement goes back to its court: the court's
    liaisons are told (the closing summary is on the case's page)."""
    if ctx.case.entrusting_court_id is not None:
        notifications.notify_returned_to_court(ctx.case)


def _close(ctx: Context) -> None:
    case = ctx.case
    ctx.change(closed_at=ctx.at)
    fulfilment = ctx.data.get("fulfilment")
    if case.status == Status.RESOLVED:
        # Closing a resolved case schedules its follow-up visit (DESIGN §4, §9).
        follow_up = FollowUp.objects.create(
            case=case, due_on=deadlines.follow_up_due(ctx.at, clocks=_clocks(case))
        )
        ctx.after["follow_up"] = {"id": follow_up.pk, "due_on": follow_up.due_on}
        if fulfilment:
            _agreement, before = agreements.write_fulfilment(
                case_id=case.pk, fulfilment=fulfilment, at=ctx.at
            )
            ctx.before["fulfilment"], ctx.after["fulfilment"] = before, fulfilment
    elif fulfilment:
        raise InvalidInput(
            fields={"fulfilment": [_("Only a resolved case has an agreement to fulfil.")]}
        )


def direction_between(source: Centre, target: Centre) -> TransferDirection:
    if source.is_within(target):
        return TransferDirection.UP
    if target.is_within(source):
        return TransferDirection.DOWN
    return TransferDirection.ACROSS


def _transfer(ctx: Context) -> None:
    case, target = ctx.case, ctx.data["target_centre"]
    if target.pk == case.centre_id:
        raise InvalidInput(fields={"target_centre": [_("The case is already at this centre.")]})
    if (
        target.kind == CentreKind.COURT
        and not Centre.objects.courts_serving(case.centre).filter(pk=target.pk).exists()
    ):
        # Its liaison would read the case: only a court that serves the case's centre.
        raise InvalidInput(
            fields={"target_centre": [_("This court does not serve the area of this centre.")]}
        )
    transfer = Transfer.objects.create(
        case=case,
        from_centre=case.centre,
        to_centre=target,
        direction=direction_between(case.centre, target),
        reason=ctx.data["reason"],
        automatic=ctx.system,
        previous_status=case.status,
        requested_by=ctx.actor if getattr(ctx.actor, "pk", None) else None,
        requested_at=ctx.at,
    )
    ctx.change(transfer_target=target)
    ctx.after.update(
        transfer={
            "id": transfer.pk,
            "direction": transfer.direction,
            "automatic": transfer.automatic,
        },
        reason=transfer.reason,
    )


def _pending_transfer(case: Case) -> Transfer:
    return case.transfers.select_for_update().get(status=TransferStatus.PENDING)


def _accept_transfer(ctx: Context) -> None:
    case = ctx.case
    transfer = _pending_transfer(case)
    transfer.status, transfer.decided_at = TransferStatus.ACCEPTED, ctx.at
    transfer.decided_by = ctx.actor if getattr(ctx.actor, "pk", None) else None
    transfer.save(update_fields=["status", "decided_at", "decided_by"])
    old_co = sorted(case.co_mediators.values_list("pk", flat=True))
    if old_co:
        case.co_mediators.clear()
        ctx.before["co_mediators"], ctx.after["co_mediators"] = old_co, []
    # The receiving centre assigns its own mediators, on its own clock.
    ctx.change(
        centre=transfer.to_centre,
        transfer_target=None,
        lead_mediator=None,
        suspended_at=None,
        due_at=deadlines.mediation_due(ctx.at, clocks=_clocks(case, transfer.to_centre)),
    )
    ctx.after["transfer"] = {"id": transfer.pk}


def _return_transfer(ctx: Context) -> None:
    case = ctx.case
    transfer = _pending_transfer(case)
    transfer.status, transfer.decided_at = TransferStatus.RETURNED, ctx.at
    transfer.decided_by = ctx.actor if getattr(ctx.actor, "pk", None) else None
    transfer.return_reason = ctx.data["reason"]
    transfer.save(update_fields=["status", "decided_at", "decided_by", "return_reason"])
    ctx.change(transfer_target=None, status=Status(transfer.previous_status))
    ctx.after.update(transfer={"id": transfer.pk}, reason=transfer.return_reason)


# Reaching one of these ends the case's mediation: its sessions still booked ahead are cancelled
# (``cases.services.sessions.cancel_sessions_of_concluded``), freeing their rooms and mediators.
# Declined is included although a registered case cannot have sessions booked (booking needs a
# case being mediated, and a transfer returned brings a case back only to where it was).
ENDS_SESSIONS = frozenset({S.DECLINED, S.RESOLVED, S.FAILED, S.WITHDRAWN, S.CLOSED})

OPEN_FOR_TRANSFER = frozenset({S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION, S.SUSPENDED})
# The statuses with a deadline of the case's own to extend (suspended: the paused ``due_at``).
# Not pending transfer: the receiving centre starts its own clock when it accepts.
EXTENDABLE = frozenset({S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION, S.SUSPENDED})

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "accept", _("Accept"), frozenset({S.REGISTERED}), S.ACCEPTED, SUPERVISORS,
            effect=_accept,
        ),
        Transition(
            "decline", _("Decline"), frozenset({S.REGISTERED}), S.DECLINED, SUPERVISORS,
            ReasonForm, effect=_decline,
        ),
        Transition(
            "assign", _("Assign mediators"), frozenset({S.ACCEPTED, S.IN_MEDIATION}),
            S.IN_MEDIATION, SUPERVISORS, AssignForm, effect=_assign,
        ),
        Transition(
            "suspend", _("Suspend"), frozenset({S.IN_MEDIATION}), S.SUSPENDED, WORKERS,
            ReasonForm, effect=_suspend,
        ),
        Transition(
            "resume", _("Resume"), frozenset({S.SUSPENDED}), S.IN_MEDIATION, WORKERS,
            effect=_resume,
        ),
        Transition(
            "resolve", _("Resolve with an agreement"), frozenset({S.IN_MEDIATION}), S.RESOLVED,
            WORKERS, AgreementDataForm, nested="agreement", effect=_resolve,
        ),
        Transition(
            "fail", _("Record failure"), frozenset({S.IN_MEDIATION}), S.FAILED, WORKERS,
            FailForm, effect=_fail,
        ),
        Transition(
            "withdraw", _("Withdraw"), frozenset({S.ACCEPTED, S.IN_MEDIATION, S.SUSPENDED}),
            S.WITHDRAWN, WORKERS | {R.INTAKE}, ReasonForm, effect=_withdraw,
        ),
        Transition(
            "close", _("Close"), frozenset({S.RESOLVED, S.FAILED, S.WITHDRAWN}), S.CLOSED,
            SUPERVISORS, CloseForm, effect=_close,
        ),
        Transition(
            "transfer", _("Transfer"), OPEN_FOR_TRANSFER, S.PENDING_TRANSFER, SUPERVISORS,
            TransferForm, effect=_transfer,
        ),
        Transition(
            "accept_transfer", _("Accept transfer"), frozenset({S.PENDING_TRANSFER}), S.ACCEPTED,
            RECEIVERS, effect=_accept_transfer,
        ),
        Transition(
            "return_transfer", _("Return transfer"), frozenset({S.PENDING_TRANSFER}), None,
            RECEIVERS, ReasonForm, effect=_return_transfer,
        ),
        Transition(
            "extend", _("Extend the deadline"), EXTENDABLE, None, SUPERVISORS, ExtendForm,
            effect=_extend, available=_not_extended,
            unavailable=_("The deadline has already been extended once."),
        ),
    ]
}  # fmt: skip


# --- Performing a transition --------------------------------------------------------------------


def cancels_sessions(spec: Transition) -> bool:
    """Does performing ``spec`` cancel the case's sessions still booked ahead (it concludes it)?"""
    return spec.target in ENDS_SESSIONS


def may_perform(
    user: User, name: str, case: Case, relations: frozenset[Relation] | None = None
) -> bool:
    """May ``user``, by how they stand to ``case``, perform transition ``name`` on it?

    This checks the actor only; ``refusal`` says whether the case, as it is now, allows it.
    """
    relations = case_relations(user, case) if relations is None else relations
    return bool(relations & TRANSITIONS[name].actors)


def available_transitions(user: User, case: Case) -> list[Transition]:
    """The transitions ``user`` may perform on ``case`` now: what the UI and API offer."""
    relations = case_relations(user, case)
    return [
        t
        for t in TRANSITIONS.values()
        if may_perform(user, t.name, case, relations) and t.possible_on(case)
    ]


# The transitions that decide a pending transfer (the receiving side accepts or returns it).
TRANSFER_DECISIONS = tuple(
    name for name, t in TRANSITIONS.items() if t.sources == {S.PENDING_TRANSFER}
)


def transfer_decisions(user: User, case: Case) -> list[Transition]:
    """The transitions deciding ``case``'s pending transfer that ``user`` may perform now, in the
    table's order: the buttons of the transfer inbox."""
    return [t for t in available_transitions(user, case) if t.name in TRANSFER_DECISIONS]


def refusal(spec: Transition, case: Case) -> TransitionNotAllowed | None:
    """Why ``case``, as it is now, does not allow ``spec`` whoever asks (its status, or the
    transition's further condition); None when it does."""
    if case.status not in spec.sources:
        return TransitionNotAllowed(
            _("“%(action)s” is not possible while the case is “%(status)s”.")
            % {"action": spec.label, "status": case.get_status_display()}
        )
    if not spec.possible_on(case):
        return TransitionNotAllowed(spec.unavailable)
    return None


def refusal_to_actor(spec: Transition) -> TransitionNotAllowed:
    """The refusal of ``spec`` to someone whose relation to the case does not allow it."""
    return TransitionNotAllowed(_("You may not “%(action)s” this case.") % {"action": spec.label})


def _clean(spec: Transition, data: Mapping[str, Any] | None) -> dict[str, Any]:
    raw: Any = dict(data or {})
    prefix = ""
    if spec.nested:
        raw, prefix = raw.get(spec.nested), f"{spec.nested}."
        if not isinstance(raw, Mapping):
            raise InvalidInput(fields={spec.nested: [_("This field is required.")]})
    form = spec.form(data=raw)
    if not form.is_valid():
        raise InvalidInput(
            fields={f"{prefix}{name}": list(errors) for name, errors in form.errors.items()}
        )
    return dict(form.cleaned_data)


def transition(
    *,
    case: Case | int,
    name: str,
    actor: User | None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
    system: bool = False,
) -> Case:
    """Perform transition ``name`` on ``case`` as ``actor``; return the updated case.

    Raises ``CaseNotFound`` when the case is outside the actor's scope, ``VersionConflict`` when
    ``expected_version`` is stale, ``TransitionNotAllowed`` for a wrong status, actor or condition
    (``Transition.available``: a second extension), and ``InvalidInput`` (naming the fields) for
    missing or bad data. On any error nothing changes.
    A transition with ``target=None`` leaves the status as it is unless its effect sets it.
    ``system=True`` is for the application's own sweeps (automatic escalation): no user scope.
    """
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise TransitionNotAllowed(_("There is no action called “%(name)s”.") % {"name": name})
    at = at or timezone.now()
    case_id = case.pk if isinstance(case, Case) else case
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("centre", "transfer_target")
            .filter(pk=case_id)
            .order_by()
            .first()
        )
        if locked is None:
            raise CaseNotFound()
        if system:
            relations = frozenset({R.ADMIN})
        else:  # nobody (no actor) stands in any relation to a case
            relations = case_relations(actor, locked) if actor is not None else frozenset()
        if not relations:
            raise CaseNotFound()
        if expected_version is not None and locked.version != expected_version:
            raise VersionConflict(locked.version)
        # Checked on the locked row: two directors extending at once cannot both succeed.
        refused = refusal(spec, locked)
        if refused is not None:
            raise refused
        if not relations & spec.actors:  # may_perform's rule, on the relations just read
            raise refusal_to_actor(spec)
        ctx = Context(case=locked, actor=actor, data=_clean(spec, data), at=at, system=system)
        before_status = locked.status
        if spec.effect is not None:
            spec.effect(ctx)
        if spec.target is not None:
            ctx.change(status=spec.target)
        ctx.before.setdefault("status", before_status)
        ctx.after.setdefault("status", locked.status)
        locked.version += 1
        locked.updated_at = at
        locked.save(update_fields=[*_model_fields(ctx.before), "status", "version", "updated_at"])
        events.record(
            case=locked,
            actor=actor,
            kind=EventKind.TRANSITION,
            name=name,
            at=at,
            before=ctx.before,
            after=ctx.after,
        )
        _tell(spec.name, ctx)
        if cancels_sessions(spec):
            # After the transition's event: the timeline reads "Resolved", then each session
            # cancelled because of it.
            sessions.cancel_sessions_of_concluded(
                case=locked, actor=actor, at=at, status=Status(locked.status)
            )
    return locked


def _tell(name: str, ctx: Context) -> None:
    """Notify the people a transition concerns (issue 20): the mediators newly assigned, the
    centre a transfer is going to. Not for the application's own escalation, which says so
    itself (``services.sweep``)."""
    if ctx.system:
        return
    case = ctx.case
    if name == "assign":
        old_co, new_co = ctx.before.get("co_mediators"), ctx.after.get("co_mediators")
        added = set(new_co or []) - set(old_co or []) if new_co is not None else set()
        mediators = list(Mediator.objects.filter(pk__in=added).select_related("user"))
        if "lead_mediator" in ctx.after and case.lead_mediator is not None:
            mediators.append(case.lead_mediator)
        notifications.notify_assigned(case=case, mediators=mediators, actor=ctx.actor, at=ctx.at)
    elif name == "transfer":
        transfer = Transfer.objects.select_related("to_centre").get(pk=ctx.after["transfer"]["id"])
        notifications.notify_transfer_incoming(
            case=case, transfer=transfer, actor=ctx.actor, at=ctx.at
        )


def _model_fields(changed: Mapping[str, Any]) -> list[str]:
    concrete = {f.name for f in Case._meta.concrete_fields}
    return sorted(name for name in changed if name in concrete and name != "status")
