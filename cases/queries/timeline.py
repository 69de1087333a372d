"""A case's timeline: its events, and the read model that turns them into lines a person reads.

``CaseTimeline`` names what each event changed: ids become names, enumeration codes labels, ISO times
local times, in one query per kind of row whatever the number of events.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ..models import (
    Agreement,
    AgreementForm,
    Attachment,
    AttachmentKind,
    Case,
    Category,
    Centre,
    Channel,
    ContactMethod,
    DocumentType,
    Ethnicity,
    Event,
    EventKind,
    FailGuidance,
    FollowUp,
    Fulfilment,
    Gender,
    JudicialConfirmation,
    Mediator,
    Note,
    NoteKind,
    Outcome,
    Party,
    PartyKind,
    PartyRole,
    PrintedDocument,
    RiskLevel,
    Room,
    Session,
    SessionMode,
    SessionStatus,
    Status,
    Transfer,
    TransferDirection,
    TransferStatus,
    user_display_name,
)
from .cases import events_for


def case_timeline(user: User, case: Case) -> QuerySet[Event]:
    """The case's events, newest first (what happened last is what the reader wants first)."""
    return events_for(user).filter(case=case).order_by("-at", "-id")


def names_for_timeline(
    *,
    centres: set[int] | None = None,
    mediators: set[int] | None = None,
    categories: set[int] | None = None,
    rooms: set[int] | None = None,
) -> dict[str, dict[int, Any]]:
    """The rows a case's events name by id, one query per kind whatever the number of events.

    Not scoped: the ids come from events of a case the user may see, and names of centres,
    mediators, categories and rooms are not personal data.
    """
    found: dict[str, dict[int, Any]] = {"centre": {}, "mediator": {}, "category": {}, "room": {}}
    if centres:
        found["centre"] = Centre.objects.in_bulk(centres)
    if mediators:
        found["mediator"] = Mediator.objects.in_bulk(mediators)
    if categories:
        found["category"] = Category.objects.select_related("parent").in_bulk(categories)
    if rooms:
        found["room"] = Room.objects.in_bulk(rooms)
    return found


def verbose_names(model: type[models.Model]) -> dict[str, str]:
    """Field name → capitalised verbose name (the timeline's labels, and ``dl.facts`` headings)."""
    return {
        f.name: str(capfirst(f.verbose_name))
        for f in model._meta.get_fields()
        if isinstance(f, models.Field) and f.verbose_name
    }


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
    "correct_session_record": _("Session record corrected"),
    "cancel_session": _("Session cancelled"),
    "record_fulfilment": _("Fulfilment recorded"),
    "judicial_confirmation": _("Judicial confirmation recorded"),
    "record_follow_up": _("Follow-up recorded"),
    "write_note": _("Note written"),
    "add_party": _("Party added"),
    "correct_party": _("Party corrected"),
    "remove_party": _("Party removed"),
    "upload_attachment": _("File added"),
    "withdraw_attachment": _("File withdrawn"),
    "download_attachment": _("File downloaded"),
    "set_legal_hold": _("Legal hold set"),
    "release_legal_hold": _("Legal hold released"),
    "anonymise_parties": _("Parties anonymised"),
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
    # A session cancelled because its case was concluded: the case's new status.
    "concluded": Status,
    # A document printed with the parties' personal data in clear (a reveal).
    "document": PrintedDocument,
}
# In a session's events "status" is the session's, in a nested transfer the transfer's.
CHOICES_BY_KIND: dict[str, dict[str, type[models.TextChoices]]] = {
    EventKind.SESSION: {"status": SessionStatus},
    "transfer": {"status": TransferStatus},
    EventKind.NOTE: {"kind": NoteKind},
    EventKind.PARTIES: {"document_type": DocumentType, "gender": Gender, "ethnicity": Ethnicity},
    EventKind.ATTACHMENT: {"kind": AttachmentKind},
}

KIND_MODELS: dict[str, type[models.Model]] = {
    EventKind.SESSION: Session,
    EventKind.FOLLOW_UP: FollowUp,
    EventKind.AGREEMENT: Agreement,
    EventKind.NOTE: Note,
    EventKind.PARTIES: Party,
    EventKind.ATTACHMENT: Attachment,
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
    "attachment": _("file"),
    "filename": _("file name"),
    "party": _("party"),
    "parties": _("parties"),
    "document": _("Document"),
    "session": _("session"),
    "done": _("done"),
    "id_number": _("ID number"),
    "phone": _("phone"),
    "mediators": _("mediators"),
    "concluded": _("case concluded"),
    # Anonymisation: how many of the case's events it masked the people's data in.
    "events": _("events masked"),
    # A party removed: the sessions that had listed it among those present.
    "sessions": _("listed at sessions"),
    # A judicial confirmation applied for after the 30 days of People's Mediation Law art. 33.
    "late": _("applied after the 30-day period"),
}


class CaseTimeline:
    """Turns a case's events into lines a person reads: "Lead mediator: — → 王调解".

    Ids stored in events become names (read in one query per kind for all events), enumeration
    codes their labels, ISO times local times. Events hold ID numbers and phones masked, and
    names and addresses until anonymisation masks them in place. A transition's event is titled
    by ``transition_titles`` (name → label: the workflow's table, which lies above the reads).
    """

    def __init__(
        self,
        events: list[Event],
        *,
        parties: Iterable[Party],
        sessions: Iterable[Session],
        transition_titles: Mapping[str, Any],
    ) -> None:
        self.events = events
        self.transition_titles = transition_titles
        self.parties = {p.pk: p for p in parties}
        self.sessions = {s.pk: s for s in sessions}
        self.labels: dict[type[models.Model], dict[str, str]] = {
            model: verbose_names(model)
            for model in (Case, Session, Agreement, Transfer, FollowUp, Note, Party, Attachment)
        }
        self.order: dict[type[models.Model], dict[str, int]] = {
            model: {f.name: i for i, f in enumerate(model._meta.get_fields())}
            for model in (Case, Session, Agreement, FollowUp, Note, Party, Attachment)
        }
        wanted: dict[str, set[int]] = {kind: set() for kind in REFERENCES.values()}
        for event in events:
            for values in (event.before, event.after):
                self._collect(values, wanted)
        self.names = names_for_timeline(
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
                CaseTimeline._collect(value, wanted)

    def entries(self) -> list[TimelineEntry]:
        return [self._entry(event) for event in self.events]

    def _entry(self, event: Event) -> TimelineEntry:
        if event.kind == EventKind.TRANSITION and event.name in self.transition_titles:
            title = str(self.transition_titles[event.name])
        else:
            title = str(EVENT_TITLES.get(event.name) or event.get_kind_display())
        who = user_display_name(event.actor) if event.actor else str(_("System"))
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
            labels = verbose_names(NESTED_MODELS[key])
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
        if key in {"note", "corrects", "attachment", "agreement"}:
            return f"#{pk}"
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
