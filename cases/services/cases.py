"""Editing a case's facts, and revealing a party's personal data."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import deadlines, personal_data
from ..access import can, get_case_for
from ..errors import InvalidInput, NotPermitted, VersionConflict
from ..models import (
    CONCLUDED_STATUSES,
    AuditAction,
    Case,
    EventKind,
    Party,
    PrintedDocument,
    RiskLevel,
    Status,
)
from . import audit, events, notifications, search_index

EDITABLE_FIELDS = ("summary", "facts", "category", "amount_in_dispute", "location", "risk_level")


def edit_case(
    *, case: Case, actor: User, changes: Mapping[str, Any], expected_version: int | None = None
) -> Case:
    """Change a case's descriptive fields (not its status). One event with before and after values."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be edited.")] for name in unknown})
    with transaction.atomic():
        locked = get_case_for(actor, case.pk, Case.objects.select_for_update(of=("self",)))
        if not can(actor, "edit", locked):
            raise NotPermitted(_("You may not edit this case."))
        if expected_version is not None and locked.version != expected_version:
            raise VersionConflict(locked.version)
        if locked.status in CONCLUDED_STATUSES | {Status.CLOSED, Status.DECLINED}:
            raise NotPermitted(_("A concluded case can no longer be edited."))
        before, after = {}, {}
        for name, value in changes.items():
            old = getattr(locked, name)
            if old != value:
                before[name], after[name] = old, value
                setattr(locked, name, value)
        if not after:
            return locked
        try:
            locked.full_clean(exclude=[f for f in _all_fields() if f not in after])
        except ValidationError as exc:
            raise InvalidInput.from_validation_error(exc) from None
        at = timezone.now()
        if after.get("risk_level") == RiskLevel.HIGH and locked.status == Status.REGISTERED:
            # A high-risk case must be accepted within a day (DESIGN §4): from now, unless the
            # decision was due sooner anyway.
            clocks = deadlines.clocks_for(locked.centre, locked.channel)
            due = deadlines.acceptance_due(at, high_risk=True, clocks=clocks)
            if locked.acceptance_due_at is None or due < locked.acceptance_due_at:
                before["acceptance_due_at"], after["acceptance_due_at"] = (
                    locked.acceptance_due_at,
                    due,
                )
                locked.acceptance_due_at = due
        locked.version += 1
        locked.updated_at = at
        locked.save(update_fields=[*after, "version", "updated_at"])
        if "summary" in after or "facts" in after:
            search_index.reindex_case(locked)
        events.record(
            case=locked, actor=actor, kind=EventKind.EDIT, name="edit", at=at,
            before=before, after=after,
        )  # fmt: skip
        if after.get("risk_level") == RiskLevel.HIGH:
            notifications.notify_high_risk(locked)
    return locked


def _all_fields() -> list[str]:
    return [f.name for f in Case._meta.get_fields() if getattr(f, "concrete", False)]


@dataclass(frozen=True)
class Revealed:
    id_number: str
    phone: str

    def __repr__(self) -> str:
        return "Revealed(<hidden>)"


def _decrypt(party: Party) -> Revealed:
    return Revealed(
        id_number=personal_data.decrypt(party.id_number_encrypted),
        phone=personal_data.decrypt(party.phone_encrypted),
    )


@transaction.atomic
def reveal_party(*, party: Party, actor: User) -> Revealed:
    """Decrypt a party's ID number and phone for a permitted user, and log that they looked: the
    case's ``reveal`` event and one ``reveal`` audit record, both with masked values only."""
    case = get_case_for(actor, party.case_id)
    if not can(actor, "reveal", case):
        raise NotPermitted(_("You may not see this party's personal data."))
    # Decrypt first: if a key is missing, nothing is revealed and nothing is logged as revealed.
    revealed = _decrypt(party)
    events.record(
        case=case,
        actor=actor,
        kind=EventKind.REVEAL,
        name="reveal",
        at=timezone.now(),
        after={"party": party.pk, "id_number": party.id_number_masked, "phone": party.phone_masked},
    )
    audit.record(
        actor=actor,
        action=AuditAction.REVEAL,
        details={
            "party": party.pk,
            "role": party.role,
            "id_number": party.id_number_masked,
            "phone": party.phone_masked,
        },
        case=case,
        target=party,
    )
    return revealed


@transaction.atomic
def reveal_parties(
    *, case: Case, parties: Sequence[Party], actor: User, document: PrintedDocument
) -> dict[int, Revealed]:
    """Decrypt the ID numbers and phones of several parties of ``case`` for a document that states
    them in full (the 调解协议书), for a user with the reveal permission: ONE ``reveal`` event names
    the document and every party revealed, with masked values only. Party id → clear values."""
    checked = get_case_for(actor, case.pk)
    if not can(actor, "reveal", checked):
        raise NotPermitted(_("You may not see the personal data of this case's parties."))
    if any(party.case_id != checked.pk for party in parties):
        raise InvalidInput(fields={"parties": [_("Only parties of this case can be revealed.")]})
    # Decrypt first: if a key is missing, nothing is revealed and nothing is logged as revealed.
    revealed = {party.pk: _decrypt(party) for party in parties}
    events.record(
        case=checked,
        actor=actor,
        kind=EventKind.REVEAL,
        name="reveal",
        at=timezone.now(),
        after={
            "document": document,
            "parties": [
                {
                    "party": party.pk,
                    "name": party.name,
                    "role": party.role,
                    "id_number": party.id_number_masked,
                    "phone": party.phone_masked,
                }
                for party in parties
            ],
        },
    )
    audit.record(
        actor=actor,
        action=AuditAction.REVEAL,
        details={
            "document": document,
            "parties": [
                {
                    "party": party.pk,
                    "role": party.role,
                    "id_number": party.id_number_masked,
                    "phone": party.phone_masked,
                }
                for party in parties
            ],
        },
        case=checked,
    )
    return revealed
