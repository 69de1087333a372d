"""Parties of an existing case: add one, correct one's details, remove one registered by mistake.

Each change runs in one transaction with the case row locked, needs a reason, bumps the case's
``version`` (its ETag) like an edit, and writes exactly one event (kind ``parties``) whose before
and after hold the changed fields only, personal data in its masked form only, and the reason.

The party's fields are validated exactly as at intake (``intake.build_parties``), and the fields
are read from ``intake.PartyData``: a field added there is added, corrected and logged here too.

Removing deletes the party's row. A session that listed the party among those present loses that
line (the many-to-many row goes with the party); the removal's event keeps the sessions' ids, so
the timeline still says where the party had been listed.
"""

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import personal_data
from ..access import can, get_case_for
from ..errors import InvalidInput, NotPermitted, TransitionNotAllowed, VersionConflict
from ..models import Agreement, Case, EventKind, Party, PartyRole
from . import events, search_index
from .intake import PartyData, build_parties

#: The fields of a party as typed (``PartyData``), in their order.
PARTY_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(PartyData))
#: Personal data: given in clear, stored sealed, shown and logged masked only.
PERSONAL_FIELDS: tuple[str, ...] = (personal_data.Kind.ID_NUMBER, personal_data.Kind.PHONE)
#: The longest reason, in characters.
REASON_MAX = 500

REASON_REQUIRED = _("Give the reason for this change.")


def party_fields() -> tuple[str, ...]:
    """The stored fields of a party a change may touch (beside its personal data), read from the
    model: what ``build_parties`` sets, derived fields (a date of birth from an ID number) too."""
    skipped = {"id", "case", "position", "sms_consent_by", "sms_consent_at"}
    return tuple(
        f.name
        for f in Party._meta.concrete_fields
        if f.name not in skipped and not f.name.startswith(tuple(f"{p}_" for p in PERSONAL_FIELDS))
    )


def masked(party: Party) -> dict[str, Any]:
    """A party as events keep it: every field, the personal data masked."""
    shown: dict[str, Any] = {name: getattr(party, name) for name in party_fields()}
    for name in PERSONAL_FIELDS:
        shown[name] = getattr(party, f"{name}_masked")
    return shown


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [REASON_REQUIRED]})
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            fields={"reason": [_("At most %(max)d characters.") % {"max": REASON_MAX}]}
        )
    return reason


def _validated(data: PartyData) -> Party:
    """The party as intake would build it (not saved), or ``InvalidInput`` naming its fields.

    Intake names a party's fields ``parties.<index>.<field>``; here there is one party, so the
    fields are named as they are. Intake's rule for the list as a whole (an applicant among the
    parties) is the callers' here, who know the case's other parties: the party is checked beside
    a placeholder applicant, which is dropped.
    """
    placeholder = PartyData(name="-", role=PartyRole.APPLICANT)
    try:
        party, _placeholder = build_parties([data, placeholder])
    except InvalidInput as exc:
        raise InvalidInput(
            fields={name.removeprefix("parties.0."): msgs for name, msgs in exc.fields.items()}
        ) from None
    return party


def _locked_case(actor: User, case_pk: int, expected_version: int | None) -> Case:
    """The case, locked, when ``actor`` may change its parties now; raises otherwise."""
    locked = get_case_for(actor, case_pk, Case.objects.select_for_update(of=("self",)))
    if not can(actor, "edit", locked):
        raise NotPermitted(_("You may not change the parties of this case."))
    if expected_version is not None and locked.version != expected_version:
        raise VersionConflict(locked.version)
    if not locked.is_open:
        raise TransitionNotAllowed(
            _("The case is %(status)s: its parties can no longer be changed.")
            % {"status": locked.get_status_display()}
        )
    return locked


def _bump(case: Case, at: datetime) -> None:
    case.version += 1
    case.updated_at = at
    case.save(update_fields=["version", "updated_at"])


def _check_known(changes: Mapping[str, Any]) -> None:
    unknown = sorted(set(changes) - set(PARTY_FIELDS))
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be changed.")] for name in unknown})


def add_party(
    *,
    case: Case,
    actor: User,
    data: PartyData,
    reason: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Party:
    """Add a party to an open case, validated as at intake; one ``add_party`` event.

    Those who may edit the case may (``NotPermitted`` otherwise); a concluded case refuses
    (``TransitionNotAllowed``); ``expected_version`` not the case's: ``VersionConflict``.
    """
    reason = _reason(reason)
    party = _validated(data)
    at = at or timezone.now()
    with transaction.atomic():
        locked = _locked_case(actor, case.pk, expected_version)
        last = Party.objects.filter(case=locked).aggregate(last=Max("position"))["last"]
        party.case = locked
        party.position = 0 if last is None else last + 1
        if party.sms_consent:
            party.sms_consent_by = actor if getattr(actor, "pk", None) else None
            party.sms_consent_at = at
        party.save()
        _bump(locked, at)
        search_index.reindex_case(locked)
        after = {"party": party.pk, **masked(party), "reason": reason}
        events.record(
            case=locked, actor=actor, kind=EventKind.PARTIES, name="add_party", at=at,
            after={k: v for k, v in after.items() if v not in ("", None)},
        )  # fmt: skip
    return party


def correct_party(
    *,
    party: Party,
    actor: User,
    changes: Mapping[str, Any],
    reason: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Party:
    """Correct a party's details: ``changes`` maps fields of ``PartyData`` to their new values.

    The party as corrected is validated as at intake (all its fields, the ID number and phone as
    stored too, decrypted in memory for the check only). The ID number and phone are sealed again
    only when given. A change that leaves the case without an applicant is refused, naming
    ``role``. Nothing changed: the party as it is, no event, no new version. Otherwise one
    ``correct_party`` event with the changed fields before and after (personal data masked).
    """
    _check_known(changes)
    reason = _reason(reason)
    at = at or timezone.now()
    with transaction.atomic():
        locked = _locked_case(actor, party.case_id, expected_version)
        current = Party.objects.select_for_update().get(pk=party.pk, case=locked)
        typed: dict[str, Any] = {
            name: (
                personal_data.decrypt(getattr(current, f"{name}_encrypted"))
                if name in PERSONAL_FIELDS
                else getattr(current, name)
            )
            for name in PARTY_FIELDS
        }
        typed.update(changes)
        corrected = _validated(PartyData(**typed))
        if (
            current.role == PartyRole.APPLICANT
            and corrected.role != PartyRole.APPLICANT
            and not locked.parties.filter(role=PartyRole.APPLICANT).exclude(pk=current.pk).exists()
        ):
            raise InvalidInput(fields={"role": [_("A case needs at least one applicant.")]})
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        updated: list[str] = []
        for name in party_fields():
            old, new = getattr(current, name), getattr(corrected, name)
            if old != new:
                before[name], after[name] = old, new
                setattr(current, name, new)
                updated.append(name)
        for name in PERSONAL_FIELDS:
            if name not in changes:
                continue
            columns = [f"{name}_encrypted", f"{name}_hash", f"{name}_masked"]
            if name == personal_data.Kind.PHONE:
                columns.append("phone_tail_hash")
            if getattr(current, f"{name}_hash") == getattr(corrected, f"{name}_hash"):
                continue
            before[name], after[name] = (
                getattr(current, f"{name}_masked"),
                getattr(corrected, f"{name}_masked"),
            )
            for column in columns:
                setattr(current, column, getattr(corrected, column))
            updated += columns
        if not updated:
            return current
        if "sms_consent" in updated:  # who recorded the consent (or its withdrawal), and when
            current.sms_consent_by = actor if getattr(actor, "pk", None) else None
            current.sms_consent_at = at
            updated += ["sms_consent_by", "sms_consent_at"]
        current.save(update_fields=updated)
        _bump(locked, at)
        if "name" in updated or "address" in updated:
            search_index.reindex_case(locked)
        events.record(
            case=locked, actor=actor, kind=EventKind.PARTIES, name="correct_party", at=at,
            before={"party": current.pk, **before},
            after={"party": current.pk, **after, "reason": reason},
        )  # fmt: skip
    return current


def remove_party(
    *,
    party: Party,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> None:
    """Remove a party registered by mistake, before the case has an agreement.

    Refused (``TransitionNotAllowed``) once the case has an agreement (the parties agreed and
    signed as they are), and for the case's last applicant. The row is deleted; the one
    ``remove_party`` event keeps the party as it was (masked) and the sessions that listed it
    among those present.
    """
    reason = _reason(reason)
    at = at or timezone.now()
    with transaction.atomic():
        locked = _locked_case(actor, party.case_id, expected_version)
        current = Party.objects.select_for_update().get(pk=party.pk, case=locked)
        if Agreement.objects.filter(case=locked).exists():
            raise TransitionNotAllowed(
                _("The case has an agreement: its parties can no longer be removed.")
            )
        if (
            current.role == PartyRole.APPLICANT
            and not locked.parties.filter(role=PartyRole.APPLICANT).exclude(pk=current.pk).exists()
        ):
            raise TransitionNotAllowed(
                _("This is the case's only applicant: a case needs at least one applicant.")
            )
        before = {"party": current.pk, **masked(current)}
        sessions = sorted(current.sessions.values_list("pk", flat=True))
        if sessions:
            before["sessions"] = sessions
        current.delete()
        _bump(locked, at)
        search_index.reindex_case(locked)
        events.record(
            case=locked, actor=actor, kind=EventKind.PARTIES, name="remove_party", at=at,
            before={k: v for k, v in before.items() if v not in ("", None)},
            after={"reason": reason},
        )  # fmt: skip
