"""Anonymisation (docs/personal-data.md, "Retention and anonymisation"): what is left of the
people in a case once their personal data may no longer be kept.

``anonymise_parties`` is the entry point for any reason (the retention run, an approved erasure
request): each party's name becomes its role label and number in the case (申请人1, 被申请人1,
第三人1, stored in Chinese like names), its ID number and phone go (ciphertext, keyed hashes, the
phone's tail hash, masked forms), and so do its address, agent, date of birth, gender, ethnicity,
legal representative, document type and SMS consent. Its role and kind stay: the reports count
nothing else of a party, and nothing of a party at all today (DESIGN §5).

``anonymise_case`` does that to every party of a case and also empties its notes' text and
deletes its files (attachments and thumbnails) from storage, keeping their rows marked removed.
The case's own fields and every report figure stay exactly as they were; its search document is
rebuilt so that the old names, addresses and notes no longer find it.

The events stay too, with what they hold of the people anonymised masked in place
(``mask_event_values``): the party's name becomes its role label, its address, ID number,
phone and the rest ``***``. That is the one change the database lets through on the timeline
(``cases.services.append_only.masking_events``; the kind, time, author and version of an event
never change, and none is deleted).

Cases on legal hold are never touched.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone

from ..models import Attachment, AuditAction, Case, Event, EventKind, Note, Party, PartyRole
from . import audit, events, search_index
from .append_only import masking_events

#: The role labels a name is replaced by (the number follows: 申请人1).
ROLE_LABELS: dict[str, str] = {
    PartyRole.APPLICANT: "申请人",
    PartyRole.RESPONDENT: "被申请人",
    PartyRole.THIRD_PARTY: "第三人",
}

#: What anonymising empties on a party (its name is replaced, its role and kind stay).
CLEARED: dict[str, Any] = {
    "address": "",
    "agent": "",
    "document_type": "",
    "gender": "",
    "ethnicity": "",
    "birth_date": None,
    "legal_representative": "",
    "id_number_encrypted": "",
    "id_number_hash": "",
    "id_number_masked": "",
    "phone_encrypted": "",
    "phone_hash": "",
    "phone_masked": "",
    "phone_tail_hash": "",
    "sms_consent": False,
    "sms_consent_by": None,
    "sms_consent_at": None,
}


#: What an event may hold of a person (of a party's fields; ID number and phone masked already).
PERSONAL_EVENT_KEYS = frozenset(
    {
        "name", "id_number", "phone", "address", "agent", "birth_date", "document_type",
        "ethnicity", "gender", "legal_representative",
    }
)  # fmt: skip
#: What a masked value reads.
MASKED = "***"
#: The events that hold parties: one party (``party``: its id) or a list of them (``parties``).
PARTY_EVENT_KINDS = (EventKind.INTAKE, EventKind.PARTIES, EventKind.REVEAL)


@dataclass
class Anonymised:
    """What one call did: the cases touched and the ones left alone because of a legal hold."""

    cases: list[Case] = field(default_factory=list)
    held: list[Case] = field(default_factory=list)
    parties: int = 0
    notes: int = 0
    files: int = 0


def role_labels(parties: Iterable[Party]) -> dict[int, str]:
    """Each party's label, numbered by role in the case's order of parties: ``{pk: "申请人1"}``."""
    counts: dict[str, int] = defaultdict(int)
    labels: dict[int, str] = {}
    for party in sorted(parties, key=lambda p: (p.position, p.pk)):
        counts[party.role] += 1
        labels[party.pk] = f"{ROLE_LABELS.get(party.role, party.role)}{counts[party.role]}"
    return labels


def _masked_party(values: Mapping[str, Any], label: str) -> dict[str, Any]:
    """A party's values in an event with the person gone: the name its ``label``, the rest
    ``***`` (those that held something)."""
    masked = dict(values)
    for key, value in values.items():
        if key == "name":
            masked[key] = label
        elif key in PERSONAL_EVENT_KEYS and value not in ("", None):
            masked[key] = MASKED
    return masked


def mask_event_values(
    event: Event, labels: Mapping[int, str], positions: Mapping[int, int], everyone: bool
) -> tuple[Any, Any]:
    """``event``'s before and after without the people anonymised: those of ``labels`` (party
    id → role label), or with ``everyone`` every party it names, parties since removed included
    (named ``***``). A party is recognised by its id (``party``), or in the intake's list by its
    place, which is its ``position`` (``positions``: position → party id)."""

    def label_of(party_id: Any) -> str | None:
        if party_id in labels:
            return labels[party_id]
        return MASKED if everyone else None

    def mask(values: Any) -> Any:
        if not isinstance(values, Mapping):
            return values
        masked = dict(values)
        if "party" in values and (label := label_of(values["party"])) is not None:
            masked = _masked_party(values, label)
        listed = values.get("parties")
        if isinstance(listed, list):
            entries = []
            for index, entry in enumerate(listed):
                if not isinstance(entry, Mapping):  # ids (the anonymisation's own event)
                    entries.append(entry)
                    continue
                party_id = entry.get("party", positions.get(index))
                label = label_of(party_id)
                entries.append(entry if label is None else _masked_party(entry, label))
            masked["parties"] = entries
        return masked

    return mask(event.before), mask(event.after)


def _mask_events(case: Case, parties: list[Party], chosen: list[Party], everyone: bool) -> int:
    """Mask, in the events of ``case``, what they hold of the ``chosen`` parties (of every party
    ever named with ``everyone``). ``parties`` are all of the case's, before anonymising."""
    labels = role_labels(parties)
    chosen_labels = {p.pk: labels[p.pk] for p in chosen}
    positions = {p.position: p.pk for p in parties}
    changed = []
    for event in Event.objects.filter(case=case, kind__in=PARTY_EVENT_KINDS).order_by("pk"):
        before, after = mask_event_values(event, chosen_labels, positions, everyone)
        if (before, after) != (event.before, event.after):
            event.before, event.after = before, after
            changed.append(event)
    if changed:
        with masking_events():
            Event.objects.bulk_update(changed, ["before", "after"])
    return len(changed)


def _delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


def _anonymise_in_case(
    case: Case,
    party_ids: set[int] | None,
    *,
    actor: User | None,
    reason: str,
    at: datetime,
    whole_case: bool,
) -> tuple[int, int, int]:
    """Anonymise the parties ``party_ids`` (all when ``None``) of the locked ``case``; with
    ``whole_case`` its notes and files too. Writes one event; answers (parties, notes, files)."""
    parties = list(Party.objects.filter(case=case).select_for_update())
    labels = role_labels(parties)
    chosen = [p for p in parties if party_ids is None or p.pk in party_ids]
    masked_events = _mask_events(case, parties, chosen, everyone=whole_case)
    for party in chosen:
        party.name = labels[party.pk]
        for name, value in CLEARED.items():
            setattr(party, name, value)
    Party.objects.bulk_update(chosen, ["name", *CLEARED])
    notes = files = 0
    if whole_case:
        notes = Note.objects.filter(case=case).exclude(text="").update(text="")
        attachments = list(
            Attachment.objects.filter(case=case, removed_at__isnull=True).select_for_update()
        )
        names = [n for a in attachments for n in (a.file.name, a.thumbnail.name) if n]
        Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(removed_at=at)
        files = len(attachments)
        if names:
            storage = Attachment._meta.get_field("file").storage  # type: ignore[union-attr]
            # After the commit: a rolled-back anonymisation keeps the files its rows point to.
            transaction.on_commit(lambda: _delete_files(storage, names))
        case.anonymised_at = at
    case.version += 1
    case.updated_at = at
    case.save(update_fields=["version", "updated_at", *(["anonymised_at"] if whole_case else [])])
    search_index.reindex_case(case)
    after: dict[str, Any] = {
        "parties": sorted(p.pk for p in chosen), "reason": reason, "events": masked_events
    }  # fmt: skip
    if whole_case:
        after.update(notes=notes, files=files)
    events.record(
        case=case, actor=actor, kind=EventKind.PARTIES, name="anonymise_parties", at=at,
        after=after,
    )  # fmt: skip
    return len(chosen), notes, files


def anonymise_parties(
    parties: Iterable[Party], *, actor: User | None, reason: str, at: datetime | None = None
) -> Anonymised:
    """Anonymise ``parties`` (of any cases) at once, in one transaction, each case locked: one
    ``anonymise_parties`` event per case (the parties' ids and ``reason``, nothing of the people).
    A case on legal hold is left alone and listed in ``held``. The caller checks who may ask and
    writes its own audit record (an erasure request's decision, say)."""
    at = at or timezone.now()
    by_case: dict[int, set[int]] = defaultdict(set)
    for party in parties:
        by_case[party.case_id].add(party.pk)
    done = Anonymised()
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("centre")
        for case in locked.filter(pk__in=sorted(by_case)).order_by("pk"):
            if case.legal_hold:
                done.held.append(case)
                continue
            count, _notes, _files = _anonymise_in_case(
                case, by_case[case.pk], actor=actor, reason=reason, at=at, whole_case=False
            )
            done.cases.append(case)
            done.parties += count
    return done


def anonymise_case(
    case: Case,
    *,
    actor: User | None,
    reason: str,
    retention_years: int | None = None,
    at: datetime | None = None,
) -> bool:
    """Anonymise every party of ``case``, empty its notes and delete its files from storage, mark
    it anonymised and write one audit record (``case_anonymised``). ``False`` (nothing done)
    when the case is on legal hold or already anonymised by the time it is locked."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",)).select_related("centre").get(pk=case.pk)
        )
        if locked.legal_hold or locked.anonymised_at is not None:
            return False
        parties, notes, files = _anonymise_in_case(
            locked, None, actor=actor, reason=reason, at=at, whole_case=True
        )
        details: dict[str, Any] = {
            "number": locked.number,
            "reason": reason,
            "closed_at": locked.closed_at.isoformat() if locked.closed_at else None,
            "parties": parties,
            "notes": notes,
            "files": files,
        }
        if retention_years is not None:
            details["retention_years"] = retention_years
        audit.record(
            actor=actor,
            actor_name="system",
            action=AuditAction.CASE_ANONYMISED,
            details=details,
            case=locked,
            target=locked,
        )
    case.anonymised_at = locked.anonymised_at
    case.version = locked.version
    return True
