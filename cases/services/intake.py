"""Intake: registering a dispute with all its parties, and numbering it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import deadlines, identity, personal_data
from ..access import can_register_at
from ..errors import InvalidInput, NotPermitted
from ..models import (
    Case,
    CaseNumberCounter,
    Category,
    Centre,
    CentreKind,
    Channel,
    DocumentType,
    EventKind,
    Party,
    PartyKind,
    PartyRole,
    RiskLevel,
)
from ..models.identities import ORGANISATION_DOCUMENT_TYPES, PERSON_DOCUMENT_TYPES
from . import events, notifications, search_index

# The fields only one kind of party has.
PERSON_ONLY = ("gender", "ethnicity", "birth_date")
ORGANISATION_ONLY = ("legal_representative",)


@dataclass(frozen=True)
class PartyData:
    """One party as typed at the window. ``id_number`` and ``phone`` are clear text here only."""

    name: str
    role: str = PartyRole.APPLICANT
    kind: str = PartyKind.PERSON
    id_number: str = ""
    phone: str = ""
    address: str = ""
    agent: str = ""
    # The document ``id_number`` belongs to (``DocumentType``); empty: a person's resident ID card,
    # an organisation's unified social credit code.
    document_type: str = ""
    # A person's: gender and date of birth (both taken from a GB 11643 number when there is one),
    # ethnicity (GB/T 3304 code, ``Ethnicity``).
    gender: str = ""
    ethnicity: str = ""
    birth_date: date | None = None
    # An organisation's.
    legal_representative: str = ""
    # The party agrees to session reminders by SMS (recorded with who and when).
    sms_consent: bool = False

    def __repr__(self) -> str:  # keep clear personal data out of logs and tracebacks
        return f"PartyData(name={self.name!r}, role={self.role!r})"


def next_number(centre: Centre, year: int) -> int:
    """Take the next sequence number for ``centre`` and ``year``; call inside a transaction.

    One statement creates the counter row or adds one to it (``INSERT … ON CONFLICT DO UPDATE``,
    on PostgreSQL and SQLite alike) and keeps the row locked until the transaction ends, so
    concurrent intakes at one centre queue here and numbers stay gap-free.
    """
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (centre_id, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (centre_id, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [centre.pk, year],
        )
        (number,) = cursor.fetchone()
    return int(number)


def format_number(centre: Centre, year: int, sequence: int) -> str:
    return f"{centre.code}-{year}-{sequence:05d}"


def build_parties(parties: Sequence[PartyData]) -> list[Party]:
    """The parties as ``Party`` rows not yet saved (no case), their personal data sealed.

    Raises ``InvalidInput`` naming the fields at fault (``parties.{index}.{field}``). Used by
    ``register_case`` and by the bulk loader, which seals each demo person once.
    """
    errors: dict[str, list[Any]] = {}
    built: list[Party] = []
    if not parties:
        errors["parties"] = [_("A case needs at least one party.")]
    elif not any(p.role == PartyRole.APPLICANT for p in parties):
        errors["parties"] = [_("A case needs at least one applicant.")]
    for index, data in enumerate(parties):
        prefix = f"parties.{index}."
        party, party_errors = build_party(data, position=index)
        for name, messages in party_errors.items():
            errors.setdefault(prefix + name, []).extend(messages)
        built.append(party)
    if errors:
        raise InvalidInput(fields=errors)
    return built


def default_document_type(kind: str) -> str:
    """The document an ID number given without its type belongs to: a person's resident ID
    card, an organisation's unified social credit code."""
    return DocumentType.CREDIT_CODE if kind == PartyKind.ORGANISATION else DocumentType.RESIDENT_ID


def build_party(data: PartyData, *, position: int = 0) -> tuple[Party, dict[str, list[Any]]]:
    """One party as a ``Party`` row not yet saved, its personal data sealed, and what is wrong
    with it by field name (``id_number``, ``gender``...; empty when nothing is).

    The ID number is checked as a number of its document (``cases.identity``); a GB 11643 number
    gives the date of birth and gender, and a typed one that contradicts it is an error. A
    person-only field given for an organisation, or the other way round, is an error naming it.
    """
    errors: dict[str, list[Any]] = {}
    id_number = (data.id_number or "").strip()
    document_type = data.document_type or (default_document_type(data.kind) if id_number else "")
    party = Party(
        role=data.role,
        kind=data.kind,
        name=(data.name or "").strip(),
        address=data.address,
        agent=data.agent,
        document_type=document_type if id_number else "",
        gender=data.gender,
        ethnicity=data.ethnicity,
        birth_date=data.birth_date,
        legal_representative=(data.legal_representative or "").strip(),
        sms_consent=bool(data.sms_consent),
        position=position,
    )
    try:
        party.full_clean(exclude=["case"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if data.kind == PartyKind.ORGANISATION:
        for name in PERSON_ONLY:
            if getattr(data, name):
                errors.setdefault(name, []).append(_("Only a person has this; leave it empty."))
        allowed = ORGANISATION_DOCUMENT_TYPES
        wrong_document = _("This is not a document of an organisation.")
    else:
        for name in ORGANISATION_ONLY:
            if getattr(data, name):
                errors.setdefault(name, []).append(
                    _("Only an organisation has this; leave it empty.")
                )
        allowed = PERSON_DOCUMENT_TYPES
        wrong_document = _("This is not a document of a person.")
    if data.document_type and "document_type" not in errors:
        if not id_number:
            errors.setdefault("id_number", []).append(_("Enter the number of this document."))
        elif document_type not in allowed:
            errors.setdefault("document_type", []).append(wrong_document)
    if id_number and "document_type" not in errors:
        try:
            derived = identity.check_document(document_type, id_number)
        except identity.InvalidNumber as exc:
            errors.setdefault("id_number", []).append(exc.message)
        else:
            if derived is not None:
                _derive(party, data, derived, errors)
    if data.birth_date and "birth_date" not in errors:
        too_early = data.birth_date.year < identity.EARLIEST_BIRTH_YEAR
        if too_early or data.birth_date > timezone.localdate():
            errors.setdefault("birth_date", []).append(_("Enter a real date of birth."))
    if data.phone and not personal_data.looks_valid(personal_data.Kind.PHONE, data.phone):
        errors.setdefault("phone", []).append(_("Enter a valid phone number."))
    set_personal_data(party, id_number=id_number, phone=data.phone)
    return party, errors


def _derive(
    party: Party, data: PartyData, derived: identity.Derived, errors: dict[str, list[Any]]
) -> None:
    """Fill date of birth and gender from the ID number; a typed one that differs is an error."""
    if data.birth_date and data.birth_date != derived.birth_date:
        errors.setdefault("birth_date", []).append(
            _("The ID number gives another date of birth: %(date)s.")
            % {"date": derived.birth_date.isoformat()}
        )
    if data.gender and data.gender != derived.gender:
        errors.setdefault("gender", []).append(_("The ID number gives the other gender."))
    party.birth_date = derived.birth_date
    party.gender = derived.gender


def set_personal_data(party: Party, *, id_number: str, phone: str) -> None:
    """Seal clear ID number and phone onto ``party`` (encrypted, hashed, masked; the phone's last
    four digits hashed too)."""
    sealed_id = personal_data.seal(personal_data.Kind.ID_NUMBER, id_number)
    sealed_phone = personal_data.seal(personal_data.Kind.PHONE, phone)
    party.id_number_encrypted, party.id_number_hash, party.id_number_masked = (
        sealed_id.encrypted,
        sealed_id.digest,
        sealed_id.masked,
    )
    party.phone_encrypted, party.phone_hash, party.phone_masked = (
        sealed_phone.encrypted,
        sealed_phone.digest,
        sealed_phone.masked,
    )
    party.phone_tail_hash = sealed_phone.tail_digest


def register_case(
    *,
    actor: User,
    centre: Centre,
    channel: str,
    category: Category,
    summary: str,
    parties: Sequence[PartyData],
    facts: str = "",
    amount_in_dispute: Decimal | None = None,
    location: str = "",
    risk_level: str = RiskLevel.NORMAL,
    entrusting_court: Centre | None = None,
    court_case_number: str = "",
    entrusted_on: date | None = None,
    at: datetime | None = None,
) -> Case:
    """Register a dispute and all its parties in one transaction; return the numbered case.

    The number is ``{registering centre code}-{year}-{sequence:05d}``, gap-free per centre and
    year. A court-entrusted case names a court that serves ``centre``
    (``Centre.objects.courts_serving``) and an entrustment date that is not after today at
    ``centre``. One ``intake`` event names the parties (names and roles; personal data masked).
    """
    at = at or timezone.now()
    court_entrusted = channel == Channel.COURT_ENTRUSTED
    if not can_register_at(actor, centre, court_entrusted=court_entrusted):
        raise NotPermitted(_("You may not register cases at this centre."))

    case = Case(
        registering_centre=centre,
        centre=centre,
        channel=channel,
        category=category,
        summary=(summary or "").strip(),
        facts=facts,
        amount_in_dispute=amount_in_dispute,
        location=location,
        risk_level=risk_level,
        entrusting_court=entrusting_court,
        court_case_number=court_case_number,
        entrusted_on=entrusted_on,
        registered_at=at,
        updated_at=at,
        acceptance_due_at=deadlines.acceptance_due(
            at,
            high_risk=risk_level == RiskLevel.HIGH,
            clocks=deadlines.clocks_for(centre, channel),
            zone=deadlines.centre_zone(centre),
        ),
        created_by=actor if getattr(actor, "pk", None) else None,
        year=timezone.localtime(at).year,
        sequence=1,
        number="-",
    )
    errors: dict[str, list[Any]] = {}
    try:
        # Field checks only: the database holds the constraints, and the checks below name the
        # fields at fault for the ones a user can trip over. The centre, category and author
        # are rows already read: no query to see that they exist.
        case.full_clean(
            exclude=[
                "number",
                "year",
                "sequence",
                "registering_centre",
                "centre",
                "category",
                "created_by",
            ],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not centre.active:
        errors.setdefault("centre", []).append(_("This centre is not active."))
    if category.parent_id is None and category.children.exists():
        errors.setdefault("category", []).append(_("Choose a sub-category."))
    if court_entrusted:
        if entrusting_court is None or entrusting_court.kind != CentreKind.COURT:
            errors.setdefault("entrusting_court", []).append(
                _("A court-entrusted case needs the entrusting court.")
            )
        elif not Centre.objects.courts_serving(centre).filter(pk=entrusting_court.pk).exists():
            # Only a court serving the centre's area may be named: its liaison reads the case.
            errors.setdefault("entrusting_court", []).append(
                _("This court does not serve the area of the registering centre.")
            )
        if not court_case_number:
            errors.setdefault("court_case_number", []).append(_("This field is required."))
        if entrusted_on is None:
            errors.setdefault("entrusted_on", []).append(_("This field is required."))
    elif entrusting_court is not None:
        errors.setdefault("channel", []).append(
            _("A case with an entrusting court must come through the court-entrusted channel.")
        )
    for name, messages in deadlines.future_dates(centre, entrusted_on=entrusted_on).items():
        errors.setdefault(name, []).extend(messages)
    try:
        built_parties = build_parties(parties)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(fields=errors)

    with transaction.atomic():
        case.sequence = next_number(centre, case.year)
        case.number = format_number(centre, case.year, case.sequence)
        case.save()
        for party in built_parties:
            party.case = case
            if party.sms_consent:
                party.sms_consent_by, party.sms_consent_at = case.created_by, at
        Party.objects.bulk_create(built_parties)
        search_index.reindex_case(case)
        events.record(
            case=case,
            actor=actor,
            kind=EventKind.INTAKE,
            name="register",
            at=at,
            after={
                "number": case.number,
                "status": case.status,
                "centre": case.centre_id,
                "channel": case.channel,
                "category": case.category_id,
                "risk_level": case.risk_level,
                "parties": [
                    {
                        "name": p.name,
                        "role": p.role,
                        "kind": p.kind,
                        "id_number": p.id_number_masked,
                        "phone": p.phone_masked,
                    }
                    for p in built_parties
                ],
            },
        )
        if risk_level == RiskLevel.HIGH:
            notifications.notify_high_risk(case)
        notifications.notify_awaiting_acceptance(case=case, actor=actor, at=at)
    return case
