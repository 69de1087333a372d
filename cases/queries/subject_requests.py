"""Reads for the requests from the people concerned (issue 22, docs/personal-data.md): the
requests a user may read, the parties and cases held about a person (by the keyed hashes of their
ID number and phone), and what the export for the person contains.

The search reads only the cases the user sees (``cases.access.visible_cases``), or every case
for a city-wide search that has been approved: a case outside that scope is never named, counted
or hinted at.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, Q, QuerySet

from ..access import scope_of, visible_cases
from ..models import (
    Agreement,
    AuditRecord,
    Case,
    Event,
    Party,
    Role,
    Session,
    SubjectRequest,
    SubjectRequestKind,
)
from ..personal_data import Kind, decrypt, digest
from .audit import audit_records_for


@dataclass(frozen=True)
class Person:
    """A person as typed for a search (hashed at once; the typed values are not kept)."""

    id_number_hash: str
    phone_hash: str

    @classmethod
    def typed(cls, *, id_number: str = "", phone: str = "") -> "Person":
        return cls(digest(Kind.ID_NUMBER, id_number), digest(Kind.PHONE, phone))

    @classmethod
    def of(cls, request: SubjectRequest) -> "Person":
        return cls(request.id_number_hash, request.phone_hash)

    def q(self, prefix: str = "") -> Q:
        """Parties with this ID number or this phone."""
        q = Q(pk__in=[])
        if self.id_number_hash:
            q |= Q(**{f"{prefix}id_number_hash": self.id_number_hash})
        if self.phone_hash:
            q |= Q(**{f"{prefix}phone_hash": self.phone_hash})
        return q


def subject_requests_for(user: User | AnonymousUser) -> QuerySet[SubjectRequest]:
    """The requests ``user`` reads: an administrator all; a director those filed under a centre
    of the subtrees they direct (and, directing the city centre, every city-wide search: they
    decide them); anyone their own."""
    requests = SubjectRequest.objects.select_related(
        "centre", "requested_by", "decided_by"
    ).order_by("-requested_at", "-pk")
    scope = scope_of(user)
    if scope.is_admin:
        return requests
    if not user.is_authenticated:
        return requests.none()
    q = Q(requested_by=user)
    for centre in scope.centres(Role.DIRECTOR):
        q |= Q(centre__path__startswith=centre.path)
        if centre.parent_id is None:
            q |= Q(kind=SubjectRequestKind.SEARCH)
    return requests.filter(q)


def matching_parties(person: Person, cases: QuerySet[Case]) -> QuerySet[Party]:
    """The parties of ``cases`` who are ``person``, with their cases, oldest case first."""
    return (
        Party.objects.filter(person.q(), case__in=cases.values("pk"))
        .select_related("case", "case__centre", "case__category")
        .order_by("case__registered_at", "case__pk", "position", "pk")
    )


def search_cases(user: User, *, city_wide: bool) -> QuerySet[Case]:
    """The cases a search by ``user`` reads: theirs, or every case for an approved city-wide one."""
    return Case.objects.all() if city_wide else visible_cases(user)


def all_matching_parties(person: Person) -> QuerySet[Party]:
    """Every party in the city who is ``person`` (an erasure reaches every case)."""
    return Party.objects.filter(person.q()).select_related("case", "case__centre")


def export_parties(person: Person, cases: QuerySet[Case]) -> list[Party]:
    """The parties for the person's export, with each case's sessions and agreement."""
    return list(
        matching_parties(person, cases)
        .select_related("case__agreement")
        .prefetch_related(
            Prefetch("case__sessions", queryset=Session.objects.order_by("starts_at", "pk"))
        )
    )


def agreement_of(case: Case) -> Agreement | None:
    try:
        return case.agreement
    except Agreement.DoesNotExist:
        return None


def export_content(parties: list[Party]) -> dict[str, Any]:
    """What is held about the person, as the JSON export states it: their party records (identity
    numbers decrypted for this export), the cases they are in, and those cases' sessions and
    agreements. Plain values (codes, ISO dates); labels in the active language beside codes."""
    records: list[dict[str, Any]] = []
    cases: dict[int, dict[str, Any]] = {}
    for party in parties:
        case = party.case
        records.append(
            {
                "case_number": case.number,
                "role": party.role,
                "role_label": str(party.get_role_display()),
                "kind": party.kind,
                "name": party.name,
                "id_number": decrypt(party.id_number_encrypted),
                "phone": decrypt(party.phone_encrypted),
                "address": party.address,
                "birth_date": party.birth_date.isoformat() if party.birth_date else None,
            }
        )
        if case.pk in cases:
            continue
        agreement = agreement_of(case)
        cases[case.pk] = {
            "number": case.number,
            "centre": case.centre.name,
            "category": case.category.name if case.category_id else "",
            "summary": case.summary,
            "status": case.status,
            "status_label": str(case.get_status_display()),
            "outcome": case.outcome,
            "outcome_label": str(case.get_outcome_display()) if case.outcome else "",
            "registered_at": case.registered_at.isoformat(),
            "concluded_at": case.concluded_at.isoformat() if case.concluded_at else None,
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
            "sessions": [
                {
                    "starts_at": s.starts_at.isoformat(),
                    "ends_at": s.ends_at.isoformat(),
                    "status": s.status,
                    "status_label": str(s.get_status_display()),
                    "result": s.result,
                }
                for s in case.sessions.all()
            ],
            "agreement": None
            if agreement is None
            else {
                "terms": agreement.terms,
                "signed_on": agreement.signed_on.isoformat(),
                "effective_on": agreement.effective_on.isoformat(),
                "fulfilment": agreement.fulfilment,
            },
        }
    return {"parties": records, "cases": list(cases.values())}


def extract_for_case(user: User, case: Case) -> tuple[list[Event], QuerySet[AuditRecord]]:
    """A regulator's extract of one case: its events and the audit records about it that
    ``user`` reads, oldest first."""
    events = list(Event.objects.filter(case=case).select_related("case").order_by("at", "id"))
    records = audit_records_for(user).filter(case=case).order_by("created_at", "pk")
    return events, records


def extract_for_person(user: User, person: Person) -> QuerySet[AuditRecord]:
    """A regulator's extract of one person: the audit records ``user`` reads about the cases the
    person is a party of (in ``user``'s scope), their party records and the requests about them,
    oldest first."""
    parties = list(matching_parties(person, visible_cases(user)).values_list("pk", "case_id"))
    requests = SubjectRequest.objects.filter(person.q())
    targets = [f"cases.party:{pk}" for pk, _case in parties]
    targets += [f"cases.subjectrequest:{pk}" for pk in requests.values_list("pk", flat=True)]
    q = Q(case_id__in={case_id for _pk, case_id in parties}) | Q(target__in=targets)
    return audit_records_for(user).filter(q).order_by("created_at", "pk")
