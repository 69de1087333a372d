"""Reads of cases: the user's scoped cases with their joins chosen here, once, and what hangs off
a case (parties, events, agreements, follow-ups).

Every function takes the user and starts from ``cases.access``, so a surface that reads through
these cannot see more than the scope rule allows. The ``select_related``/``prefetch_related`` here
keep a list's query count independent of its length, and a detail's of its parties and events.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, Q, QuerySet

from .. import access, personal_data
from ..models import (
    Agreement,
    Case,
    Event,
    EventKind,
    FollowUp,
    Outcome,
    Party,
    Session,
    SessionStatus,
)


def cases_for(user: User) -> QuerySet[Case]:
    """The user's cases with what the pages show of them: centres, category, mediators, parties."""
    return api_cases_for(user).select_related(
        "centre", "category", "lead_mediator", "transfer_target", "entrusting_court"
    )


def api_cases_for(user: User | AnonymousUser) -> QuerySet[Case]:
    """The user's cases as the API shows them: related rows by id, so only the registering centre
    (the Chinese number names it) is joined; the five other joins cost more to plan and compile
    than the rest of a case read (issue #8). Each is annotated ``registered_only`` (seen by
    registration alone: read-only; ``access.with_sight``)."""
    return (
        access.with_sight(access.visible_cases(user), user)
        .select_related("registering_centre")
        .prefetch_related(
            "co_mediators",
            Prefetch("parties", queryset=Party.objects.order_by("position", "id")),
        )
    )


def visible_case_ids(user: User | AnonymousUser) -> QuerySet[Case, Any]:
    """The ids of the cases the user may see, as a subquery."""
    return access.visible_cases(user).values("pk")


def detailed_cases(user: User) -> QuerySet[Case]:
    """``cases_for`` with the category's parent too: what the case page shows, and the case list
    (its CSV names "parent / sub-category")."""
    return cases_for(user).select_related("category__parent")


def parties_for(user: User | AnonymousUser) -> QuerySet[Party]:
    return Party.objects.filter(case__in=visible_case_ids(user)).select_related("case")


def events_for(user: User) -> QuerySet[Event]:
    return Event.objects.filter(case__in=visible_case_ids(user)).select_related("actor")


def agreements_for(user: User | AnonymousUser) -> QuerySet[Agreement]:
    return Agreement.objects.filter(case__in=visible_case_ids(user)).select_related("case")


def follow_ups_for(user: User | AnonymousUser) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(case__in=visible_case_ids(user)).select_related(
        "case", "recorded_by"
    )


def case_agreement(user: User, case: Case) -> Agreement | None:
    return agreements_for(user).filter(case=case).first()


def case_follow_ups(user: User, case: Case) -> QuerySet[FollowUp]:
    return follow_ups_for(user).filter(case=case).order_by("due_on", "id")


def case_party(user: User, case: Case, pk: Any) -> Party | None:
    """One party of ``case`` (``None`` for a party of another case, or none at all)."""
    return parties_for(user).filter(case=case, pk=pk).first()


def agreement_cases_for(user: User) -> QuerySet[Case]:
    """Cases that have an agreement, with all the printable agreement (调解协议书) shows:
    the agreement, parties, mediators, centres and category, in a fixed number of queries."""
    return (
        cases_for(user)
        .filter(agreement__isnull=False)
        .select_related("agreement", "category__parent")
    )


def case_file_cases_for(user: User) -> QuerySet[Case]:
    """Cases with what the whole case file (卷宗) states of the case itself: centres, category,
    who registered it, mediators, parties and the agreement if any (``case.agreement`` then
    reads no row for a case without one)."""
    return cases_for(user).select_related("category__parent", "created_by", "agreement")


# The outcomes with which a court-entrusted case goes back to its court, with a closing summary.
RETURNED_TO_COURT = (Outcome.FAILED, Outcome.WITHDRAWN)


def returned_to_court_cases_for(user: User) -> QuerySet[Case]:
    """Court-entrusted cases concluded without agreement, with what their closing summary for the
    court shows: parties, the sessions held and the mediators, in a fixed number of queries."""
    held = Session.objects.filter(status=SessionStatus.HELD).order_by("starts_at")
    return (
        cases_for(user)
        .filter(entrusting_court__isnull=False, outcome__in=RETURNED_TO_COURT)
        .select_related("category__parent")
        .prefetch_related(Prefetch("sessions", queryset=held, to_attr="held_sessions"))
    )


def cases_of_person(
    user: User, *, id_number: str = "", phone: str = "", document_type: str = ""
) -> QuerySet[Case]:
    """Cases the user may see with a party of this ID number or phone, newest first.

    Matched through the keyed hash of the normalised value (``138 1234 5678`` and
    ``+86 13812345678`` are one phone), never by decrypting rows; a value that is not a valid
    number of ``document_type`` (a resident ID number or credit code when empty) or a valid phone
    (``cases.identity``) matches nothing.
    """
    match = Q()
    for kind, value in (
        (personal_data.Kind.ID_NUMBER, id_number),
        (personal_data.Kind.PHONE, phone),
    ):
        if value and personal_data.looks_valid(kind, value, document_type):
            match |= Q(**{f"{kind.value}_hash": personal_data.digest(kind, value)})
    if not match:
        return Case.objects.none()
    parties = Party.objects.filter(match).values("case_id")
    return (
        access.visible_cases(user)
        .filter(pk__in=parties)
        .only("pk", "number", "registered_at")
        .order_by("-registered_at", "-id")
    )


def acceptance(case: Case) -> Event | None:
    """The event of the case's (last) acceptance, with its actor: who accepted it and when (the
    registration form states them). Not scoped: the caller already holds the case."""
    return (
        Event.objects.filter(case=case, kind=EventKind.TRANSITION, name="accept")
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
