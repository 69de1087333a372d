"""Requests from the people concerned (issue 22; docs/personal-data.md, "Requests from the people
concerned"): looking up what is held about a person, the city-wide search that needs approval,
the export for the person, and erasure. Each request, decision, search and export writes one
audit record, with the person's numbers masked.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import (
    can,
    can_decide_city_search,
    can_read_audit,
    can_request_erasure,
    can_search_subjects,
    directs_all,
    scope_of,
    visible_cases,
)
from ..errors import InvalidInput, NotPermitted
from ..models import (
    AuditAction,
    AuditRecord,
    Centre,
    Event,
    NotificationKind,
    Party,
    Role,
    SubjectRequest,
    SubjectRequestKind,
    SubjectRequestStatus,
)
from ..personal_data import Kind, looks_valid, mask
from ..queries.subject_requests import (
    Person,
    all_matching_parties,
    export_parties,
    extract_for_case,
    extract_for_person,
    matching_parties,
    search_cases,
)
from . import audit, notifications
from .anonymisation import anonymise_parties

REASON_MAX = 2000

# What an approved erasure passes to ``anonymise_parties`` (recorded on each case's event).
ERASURE_REASON = "erasure"


def masked(*, id_number: str, phone: str) -> dict[str, str]:
    """The person's numbers as an audit record or a page shows them."""
    return {"id_number": mask(Kind.ID_NUMBER, id_number), "phone": mask(Kind.PHONE, phone)}


def _check_numbers(id_number: str, phone: str) -> None:
    errors: dict[str, list[Any]] = {}
    if not (id_number or "").strip() and not (phone or "").strip():
        errors["id_number"] = [_("Give the person's ID number or phone.")]
    if (id_number or "").strip() and not looks_valid(Kind.ID_NUMBER, id_number):
        errors["id_number"] = [_("This is not a valid ID number.")]
    if (phone or "").strip() and not looks_valid(Kind.PHONE, phone):
        errors["phone"] = [_("This is not a valid phone number.")]
    if errors:
        raise InvalidInput(fields=errors)


def _check_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={field: [_("Give the reason.")]})
    if len(reason) > REASON_MAX:
        raise InvalidInput(fields={field: [_("At most %(max)d characters.") % {"max": REASON_MAX}]})
    return reason


def _home_centre(user: User, *roles: Role) -> Centre | None:
    """The centre a user's request is filed under: their first centre in ``roles``."""
    centres = scope_of(user).centres(*roles)
    return centres[0] if centres else None


def _found(parties: Sequence[Party]) -> dict[str, int]:
    return {"parties": len(parties), "cases": len({p.case_id for p in parties})}


# --- Searching ---------------------------------------------------------------------------------


def search(
    *,
    actor: User,
    id_number: str = "",
    phone: str = "",
    request: SubjectRequest | None = None,
) -> list[Party]:
    """The parties who are the person (typed ``id_number`` or ``phone``) in the cases ``actor``
    sees, or in every case when ``request`` is ``actor``'s approved city-wide search (run once:
    it is then ``used``). One ``subject_search`` audit record, the numbers masked."""
    if not can_search_subjects(actor):
        raise NotPermitted(_("Only directors and administrators look up a person's data."))
    if request is None:
        _check_numbers(id_number, phone)
    with transaction.atomic():
        if request is None:
            person = Person.typed(id_number=id_number, phone=phone)
            shown = masked(id_number=id_number, phone=phone)
        else:
            request = (
                SubjectRequest.objects.select_for_update(of=("self",))
                .select_related("centre")
                .get(pk=request.pk)
            )
            _usable(actor, request, SubjectRequestStatus.APPROVED)
            person = Person.of(request)
            shown = {"id_number": request.id_number_masked, "phone": request.phone_masked}
            request.status = SubjectRequestStatus.USED
            request.used_at = timezone.now()
            request.save(update_fields=["status", "used_at"])
        parties = list(matching_parties(person, search_cases(actor, city_wide=request is not None)))
        audit.record(
            actor=actor,
            action=AuditAction.SUBJECT_SEARCH,
            details={
                **shown,
                "scope": "city" if request is not None else "own",
                "request": request.pk if request is not None else None,
                **_found(parties),
            },
            centre=request.centre if request is not None else _home_centre(actor, Role.DIRECTOR),
            target=request if request is not None else "",
        )
    return parties


def _usable(actor: User, request: SubjectRequest, status: str) -> None:
    if request.kind != SubjectRequestKind.SEARCH or request.requested_by_id != actor.pk:
        raise NotPermitted(_("Only the director who asked for this search may run it."))
    if request.status != status:
        message = (
            _("This search has not been approved.")
            if status == SubjectRequestStatus.APPROVED
            and request.status != SubjectRequestStatus.USED
            else _("This search has already been run; ask again to run it once more.")
            if status == SubjectRequestStatus.APPROVED
            else _("Run the approved search first.")
        )
        raise InvalidInput(fields={"request": [message]})


def export(
    *,
    actor: User,
    file_format: str,
    id_number: str = "",
    phone: str = "",
    request: SubjectRequest | None = None,
) -> list[Party]:
    """The parties (with their cases, sessions and agreements) for the person's export, in the
    scope of a search: ``actor``'s own, or the city for their city-wide search once it has been
    run. One ``subject_export`` audit record."""
    if not can_search_subjects(actor):
        raise NotPermitted(_("Only directors and administrators look up a person's data."))
    if request is None:
        _check_numbers(id_number, phone)
        person = Person.typed(id_number=id_number, phone=phone)
        shown = masked(id_number=id_number, phone=phone)
    else:
        request.refresh_from_db(fields=["status"])
        _usable(actor, request, SubjectRequestStatus.USED)
        person = Person.of(request)
        shown = {"id_number": request.id_number_masked, "phone": request.phone_masked}
    parties = export_parties(person, search_cases(actor, city_wide=request is not None))
    audit.record(
        actor=actor,
        action=AuditAction.SUBJECT_EXPORT,
        details={
            **shown,
            "format": file_format,
            "scope": "city" if request is not None else "own",
            "request": request.pk if request is not None else None,
            **_found(parties),
        },
        centre=request.centre if request is not None else _home_centre(actor, Role.DIRECTOR),
        target=request if request is not None else "",
    )
    return parties


# --- Requests and decisions --------------------------------------------------------------------


def _new_request(
    *, actor: User, kind: str, id_number: str, phone: str, reason: str, centre: Centre | None
) -> SubjectRequest:
    shown = masked(id_number=id_number, phone=phone)
    person = Person.typed(id_number=id_number, phone=phone)
    return SubjectRequest.objects.create(
        kind=kind,
        id_number_hash=person.id_number_hash,
        id_number_masked=shown["id_number"],
        phone_hash=person.phone_hash,
        phone_masked=shown["phone"],
        reason=reason,
        centre=centre,
        requested_by=actor,
    )


def request_city_search(
    *, actor: User, id_number: str = "", phone: str = "", reason: str
) -> SubjectRequest:
    """Ask for a city-wide search for the person, with the reason (their request, say): a
    director of the city centre or an administrator decides. One ``subject_search_requested``."""
    if not can_search_subjects(actor):
        raise NotPermitted(_("Only directors and administrators look up a person's data."))
    _check_numbers(id_number, phone)
    reason = _check_reason(reason)
    with transaction.atomic():
        made = _new_request(
            actor=actor, kind=SubjectRequestKind.SEARCH, id_number=id_number, phone=phone,
            reason=reason, centre=_home_centre(actor, Role.DIRECTOR),
        )  # fmt: skip
        audit.record(
            actor=actor,
            action=AuditAction.SUBJECT_SEARCH_REQUESTED,
            details={**masked(id_number=id_number, phone=phone), "request": made.pk},
            centre=made.centre,
            target=made,
        )
    return made


def request_erasure(
    *, actor: User, id_number: str = "", phone: str = "", reason: str
) -> SubjectRequest:
    """Ask that the person's data be erased, with the person's reason (a director or intake
    officer, or an administrator; the person must be a party of a case ``actor`` sees). A director
    over every centre concerned, or an administrator, decides. One ``erasure_requested``."""
    if not can_request_erasure(actor):
        raise NotPermitted(_("Only directors and intake officers ask for an erasure."))
    _check_numbers(id_number, phone)
    reason = _check_reason(reason)
    person = Person.typed(id_number=id_number, phone=phone)
    if not matching_parties(person, visible_cases(actor)).exists():
        raise InvalidInput(
            fields={"id_number": [_("Nobody with this ID number or phone is in your cases.")]}
        )
    with transaction.atomic():
        made = _new_request(
            actor=actor, kind=SubjectRequestKind.ERASURE, id_number=id_number, phone=phone,
            reason=reason, centre=_home_centre(actor, Role.DIRECTOR, Role.INTAKE),
        )  # fmt: skip
        audit.record(
            actor=actor,
            action=AuditAction.ERASURE_REQUESTED,
            details={**masked(id_number=id_number, phone=phone), "request": made.pk},
            centre=made.centre,
            target=made,
        )
    return made


def can_decide(user: User, request: SubjectRequest) -> bool:
    """Whether ``user`` may decide ``request`` now: it is pending, not their own, and they are a
    director of the city centre or an administrator (a search), or an administrator or a director
    over every centre whose cases hold the person (an erasure)."""
    if request.status != SubjectRequestStatus.PENDING or request.requested_by_id == user.pk:
        return False
    if request.kind == SubjectRequestKind.SEARCH:
        return can_decide_city_search(user)
    if not (scope_of(user).is_admin or scope_of(user).centres(Role.DIRECTOR)):
        return False
    return directs_all(user, {p.case.centre for p in all_matching_parties(Person.of(request))})


def decide(
    *, actor: User, request: SubjectRequest, approve: bool, reason: str, at: datetime | None = None
) -> SubjectRequest:
    """Approve or refuse a pending request, with a reason; the requester is notified. An approved
    erasure anonymises the person's parties in every case at once (``anonymise_parties``; cases
    on legal hold are skipped and listed in ``result["held"]``). One audit record:
    ``subject_search_decided``, ``erasure_approved`` or ``erasure_refused``."""
    reason = _check_reason(reason)
    at = at or timezone.now()
    with transaction.atomic():
        locked = (
            SubjectRequest.objects.select_for_update(of=("self",))
            .select_related("centre")
            .get(pk=request.pk)
        )
        if locked.status != SubjectRequestStatus.PENDING:
            raise InvalidInput(fields={"approve": [_("This request has already been decided.")]})
        if locked.requested_by_id == actor.pk:
            raise NotPermitted(_("Someone else decides your own request."))
        shown = {"id_number": locked.id_number_masked, "phone": locked.phone_masked}
        details: dict[str, Any] = {**shown, "request": locked.pk, "reason": reason}
        if locked.kind == SubjectRequestKind.SEARCH:
            if not can_decide_city_search(actor):
                raise NotPermitted(
                    _("A director of the city centre or an administrator decides this search.")
                )
            action = AuditAction.SUBJECT_SEARCH_DECIDED
            details["approved"] = approve
        else:
            parties = list(all_matching_parties(Person.of(locked)))
            if not directs_all(actor, {p.case.centre for p in parties}):
                raise NotPermitted(
                    _("A director over every centre concerned, or an administrator, decides.")
                )
            action = AuditAction.ERASURE_APPROVED if approve else AuditAction.ERASURE_REFUSED
            if approve:
                done = anonymise_parties(parties, actor=actor, reason=ERASURE_REASON, at=at)
                locked.result = {
                    "anonymised": [c.number for c in done.cases],
                    "held": [c.number for c in done.held],
                    "parties": done.parties,
                }
                details.update(locked.result)
        locked.status = SubjectRequestStatus.APPROVED if approve else SubjectRequestStatus.REFUSED
        locked.decided_by = actor
        locked.decided_at = at
        locked.decision_reason = reason
        locked.save(
            update_fields=["status", "decided_by", "decided_at", "decision_reason", "result"]
        )
        audit.record(
            actor=actor, action=action, details=details, centre=locked.centre, target=locked
        )
        notifications.notify(
            users=[locked.requested_by],
            case=None,
            kind=NotificationKind.REQUEST_DECIDED,
            key=f"request_decided:{locked.pk}",
            at=at,
        )
    return locked


# --- The audit extract for a regulator -----------------------------------------------------------


def audit_extract(
    *,
    actor: User,
    file_format: str,
    case_number: str = "",
    id_number: str = "",
    phone: str = "",
) -> tuple[list[Event], list[AuditRecord]]:
    """The extract for a regulator: one case (by number: its events and audit records) or one
    person (by ID number or phone: the audit records about their cases, parties and requests),
    what ``actor`` may read (administrators; directors: their subtrees). A case outside the scope
    is refused as one that does not exist. One ``audit_extract`` audit record."""
    if not can_read_audit(actor):
        raise NotPermitted(_("Only administrators and centre directors read the audit trail."))
    details: dict[str, Any] = {"format": file_format}
    case = None
    if case_number.strip():
        case = visible_cases(actor).filter(number__iexact=case_number.strip()).first()
        if case is None or not can(actor, "read_files", case):
            raise InvalidInput(fields={"case_number": [_("No such case.")]})
        events, records = extract_for_case(actor, case)
        details["case"] = case.number
    else:
        _check_numbers(id_number, phone)
        events = []
        records = extract_for_person(actor, Person.typed(id_number=id_number, phone=phone))
        details.update(masked(id_number=id_number, phone=phone))
    listed = list(records.select_related("centre", "case"))
    details["rows"] = len(events) + len(listed)
    audit.record(
        actor=actor,
        action=AuditAction.AUDIT_EXTRACT,
        details=details,
        case=case,
        centre=None if case is not None else _home_centre(actor, Role.DIRECTOR),
    )
    return events, listed
