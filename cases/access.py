"""THE scope rule (DESIGN §2): which centres and cases a user may see, and what they may do to a case.

Written once and used by every surface: web views, API views, exports, search and reports. Two views
of the same rule live here and must agree (a test checks that they do):

- ``visible_cases(user)``: a queryset filter, for lists, search and counts;
- ``case_relations(user, case)``: for one loaded case, the user's relations to it, from which
  ``can(user, action, case)`` decides the actions below and the transition table the transitions.

Sight comes two ways. Handling sight: the case is at (or on its way to) a centre the user works at or
supervises, or it is theirs as a mediator or a court. Registration sight (DESIGN §2): the case was
registered at a centre where the user is an intake officer, or in a subtree the user directs or
observes, so the window that took the dispute in can still answer for it after it moved elsewhere.
Registration sight alone is read-only and narrow (``Relation.REGISTRAR``: no action, no reveal, no
files or documents); ``with_sight`` marks the cases a user sees by it alone (``registered_only``).

A case outside a user's scope is reported as missing (``CaseNotFound``), never as forbidden.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from .errors import CaseNotFound
from .models import OPEN_STATUSES, Case, Centre, Mediator, Membership, Role


class Relation(StrEnum):
    """How a user stands to one case. Transitions and actions name the relations that allow them."""

    ADMIN = "admin"
    DIRECTOR = "director"  # director of a centre whose subtree holds the case's handling centre
    RECEIVER = "receiver"  # director (or the court's liaison) where a pending transfer is going
    OBSERVER = "observer"  # observer over the handling centre or the transfer's target
    MEDIATOR = "mediator"  # lead or co-mediator of the case
    QUEUE = "queue"  # mediator at the handling centre while the case has no lead mediator
    INTAKE = "intake"  # intake officer of the handling centre
    COURT_LIAISON = "court_liaison"  # liaison of the court that entrusted the case
    # intake officer of the registering centre, or director/observer of a subtree that holds it,
    # with no other relation: read-only sight of a case registered there and handled elsewhere
    REGISTRAR = "registrar"


# Actions other than transitions and who may do them. Who may perform a transition is the
# transition table's (each transition names its relations, beside its statuses).
ACTIONS: dict[str, frozenset[Relation]] = {
    "view": frozenset(Relation),
    # The case's files and documents (attachments and their list, the registration form, the case
    # file, the agreement, the closing summary): not by registration sight alone (DESIGN §2).
    "read_files": frozenset(Relation) - {Relation.REGISTRAR},
    "edit": frozenset({Relation.ADMIN, Relation.DIRECTOR, Relation.MEDIATOR, Relation.INTAKE}),
    "reveal": frozenset(
        {
            Relation.ADMIN,
            Relation.DIRECTOR,
            Relation.MEDIATOR,
            Relation.INTAKE,
            Relation.COURT_LIAISON,
        }
    ),
    "book_session": frozenset({Relation.ADMIN, Relation.DIRECTOR, Relation.MEDIATOR}),
    # Case notes: the case's mediators, the directors over its centre, its intake (issue 19).
    "write_note": frozenset(
        {Relation.ADMIN, Relation.DIRECTOR, Relation.MEDIATOR, Relation.INTAKE}
    ),
    # Evidence and attachments: who may edit the case may upload and withdraw files (issue 19).
    "attach": frozenset({Relation.ADMIN, Relation.DIRECTOR, Relation.MEDIATOR, Relation.INTAKE}),
    "record_follow_up": frozenset({Relation.ADMIN, Relation.DIRECTOR, Relation.MEDIATOR}),
    "record_fulfilment": frozenset({Relation.ADMIN, Relation.DIRECTOR, Relation.MEDIATOR}),
    # Similar cases (类案参考, issue 21): a mediation aid for the case's mediators and the
    # directors and observers over it, who may read every case it lists (their own scope).
    # Not the court (it rules on the agreement, it does not mediate), intake, a mediator who only
    # sees the case in the queue, or registration sight (read-only, no files).
    "similar_cases": frozenset(
        {Relation.ADMIN, Relation.DIRECTOR, Relation.OBSERVER, Relation.MEDIATOR}
    ),
    # A legal hold keeps the case's personal data past its retention period (issue 22): the
    # directors over its handling centre and administrators set and release it.
    "legal_hold": frozenset({Relation.ADMIN, Relation.DIRECTOR}),
    # The court that entrusted the case rules on its agreement (DESIGN §9).
    "record_judicial_confirmation": frozenset({Relation.ADMIN, Relation.COURT_LIAISON}),
}


@dataclass(frozen=True)
class UserScope:
    """A user's memberships, read once per request and kept on the user object."""

    is_admin: bool
    by_role: dict[str, tuple[Centre, ...]]
    mediator: Mediator | None
    mediator_centre_ids: frozenset[int]

    def centres(self, *roles: Role) -> tuple[Centre, ...]:
        return tuple(c for role in roles for c in self.by_role.get(role, ()))


_SCOPE_ATTR = "_mediation_scope"


def scope_of(user: User | AnonymousUser | None) -> UserScope:
    cached = getattr(user, _SCOPE_ATTR, None)
    if cached is not None:
        return cached
    if user is None or not user.is_authenticated or not user.is_active:
        scope = UserScope(
            is_admin=False, by_role={}, mediator=None, mediator_centre_ids=frozenset()
        )
    else:
        by_role: dict[str, list[Centre]] = {}
        for membership in Membership.objects.filter(user=user).select_related("centre"):
            by_role.setdefault(membership.role, []).append(membership.centre)
        mediator = Mediator.objects.filter(user=user).first()
        mediator_centre_ids = {c.pk for c in by_role.get(Role.MEDIATOR, [])}
        if mediator is not None:
            mediator_centre_ids.add(mediator.home_centre_id)
            mediator_centre_ids.update(mediator.seats.values_list("pk", flat=True))
        scope = UserScope(
            is_admin=bool(user.is_superuser or by_role.get(Role.ADMIN)),
            by_role={role: tuple(centres) for role, centres in by_role.items()},
            mediator=mediator,
            mediator_centre_ids=frozenset(mediator_centre_ids),
        )
    setattr(user, _SCOPE_ATTR, scope)
    return scope


def forget_scope(user: User) -> None:
    """Drop the cached scope (after memberships change)."""
    if hasattr(user, _SCOPE_ATTR):
        delattr(user, _SCOPE_ATTR)


def _subtree_q(field: str, centres: Iterable[Centre]) -> Q:
    q = Q(pk__in=[])
    for centre in centres:
        q |= Q(**{f"{field}__path__startswith": centre.path})
    return q


def _supervised_q(scope: UserScope) -> Q:
    """Centres of the subtrees the user directs or observes, as a filter on ``Centre``."""
    q = Q(pk__in=[])
    for centre in scope.centres(Role.DIRECTOR, Role.OBSERVER):
        q |= Q(path__startswith=centre.path)
    return q


def visible_centres(user: User | AnonymousUser) -> QuerySet[Centre]:
    """Centres whose cases (some or all) the user may see; the centres a picker may offer."""
    scope = scope_of(user)
    if scope.is_admin:
        return Centre.objects.all()
    own = {c.pk for c in scope.centres(Role.INTAKE, Role.COURT_LIAISON)} | scope.mediator_centre_ids
    return Centre.objects.filter(_supervised_q(scope) | Q(pk__in=own))


def _handling_q(scope: UserScope) -> Q:
    """The cases a (non-administrator) user sees by handling sight, as a filter on ``Case``."""
    supervisors = scope.centres(Role.DIRECTOR, Role.OBSERVER)
    q = _subtree_q("centre", supervisors) | _subtree_q("transfer_target", supervisors)
    courts = scope.centres(Role.COURT_LIAISON)
    if courts:
        q |= Q(entrusting_court__in=courts) | Q(transfer_target__in=courts)
    intake = scope.centres(Role.INTAKE)
    if intake:
        q |= Q(centre__in=intake)
    if scope.mediator is not None:
        co_cases = Case.co_mediators.through.objects.filter(mediator=scope.mediator)
        q |= Q(lead_mediator=scope.mediator) | Q(pk__in=co_cases.values("case_id"))
    if scope.mediator_centre_ids:
        q |= Q(
            centre__in=scope.mediator_centre_ids,
            lead_mediator__isnull=True,
            status__in=OPEN_STATUSES,
        )
    return q


def _registration_q(scope: UserScope) -> Q:
    """The cases a user sees by registration sight (``Relation.REGISTRAR``): registered at their
    intake centre or in a subtree they direct or observe."""
    q = _subtree_q("registering_centre", scope.centres(Role.DIRECTOR, Role.OBSERVER))
    intake = scope.centres(Role.INTAKE)
    if intake:
        q |= Q(registering_centre__in=intake)
    return q


def visible_cases(user: User | AnonymousUser) -> QuerySet[Case]:
    """Every case the user may see, as one filter on ``Case``."""
    scope = scope_of(user)
    cases = Case.objects.all()
    if scope.is_admin:
        return cases
    return cases.filter(_handling_q(scope) | _registration_q(scope))


def registered_only_q(user: User | AnonymousUser) -> Q:
    """Among the cases ``user`` sees, those seen by registration sight alone (read-only)."""
    scope = scope_of(user)
    if scope.is_admin:
        return Q(pk__in=[])
    return _registration_q(scope) & ~_handling_q(scope)


def handled_cases(user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases ``user`` sees by handling sight: ``visible_cases`` without those seen by
    registration alone (for lists of work to do, such as the due lists)."""
    scope = scope_of(user)
    if scope.is_admin:
        return Case.objects.all()
    return Case.objects.filter(_handling_q(scope))


def with_sight(cases: QuerySet[Case], user: User | AnonymousUser) -> QuerySet[Case]:
    """``cases`` (from ``visible_cases``) annotated ``registered_only``: seen by registration sight
    alone, so read-only ("registered here, handled by …"). In the same query: no query per row."""
    return cases.annotate(
        registered_only=ExpressionWrapper(registered_only_q(user), output_field=BooleanField())
    )


def case_relations(user: User, case: Case) -> frozenset[Relation]:
    """How ``user`` stands to ``case``; empty when the case is outside their scope."""
    scope = scope_of(user)
    relations: set[Relation] = set()
    if scope.is_admin:
        relations.add(Relation.ADMIN)
    target = case.transfer_target

    def supervises(role: Role, centre: Centre | None) -> bool:
        return centre is not None and any(centre.is_within(c) for c in scope.centres(role))

    if supervises(Role.DIRECTOR, case.centre):
        relations.add(Relation.DIRECTOR)
    if supervises(Role.DIRECTOR, target) or (
        target is not None and target in scope.centres(Role.COURT_LIAISON)
    ):
        relations.add(Relation.RECEIVER)
    if supervises(Role.OBSERVER, case.centre) or supervises(Role.OBSERVER, target):
        relations.add(Relation.OBSERVER)
    if case.centre_id in {c.pk for c in scope.centres(Role.INTAKE)}:
        relations.add(Relation.INTAKE)
    if case.entrusting_court_id and case.entrusting_court_id in {
        c.pk for c in scope.centres(Role.COURT_LIAISON)
    }:
        relations.add(Relation.COURT_LIAISON)
    # ``.all()`` rather than a query of its own: a list that prefetched the co-mediators asks
    # nothing more per case.
    if scope.mediator is not None and (
        case.lead_mediator_id == scope.mediator.pk
        or any(m.pk == scope.mediator.pk for m in case.co_mediators.all())
    ):
        relations.add(Relation.MEDIATOR)
    if (
        case.centre_id in scope.mediator_centre_ids
        and case.lead_mediator_id is None
        and case.status in OPEN_STATUSES
    ):
        relations.add(Relation.QUEUE)
    # Registration sight counts only where nothing else gives sight (so the registering centre is
    # loaded only then): REGISTRAR is the read-only relation of the window that took the case in.
    if not relations and (
        case.registering_centre_id in {c.pk for c in scope.centres(Role.INTAKE)}
        or supervises(Role.DIRECTOR, case.registering_centre)
        or supervises(Role.OBSERVER, case.registering_centre)
    ):
        relations.add(Relation.REGISTRAR)
    return frozenset(relations)


def registered_only(relations: frozenset[Relation]) -> bool:
    """Does the user see the case by registration sight alone (read-only)?"""
    return Relation.REGISTRAR in relations


def get_case_for(user: User, pk: Any, queryset: QuerySet[Case] | None = None) -> Case:
    """The case with ``pk`` if the user may see it; otherwise ``CaseNotFound`` (never 'forbidden')."""
    cases = visible_cases(user).select_related("centre", "transfer_target", "registering_centre")
    if queryset is not None:
        cases = queryset & cases
    try:
        return cases.get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise CaseNotFound() from None


def can(user: User, action: str, case: Case, relations: frozenset[Relation] | None = None) -> bool:
    """May ``user`` perform ``action`` (a key of ``ACTIONS``) on ``case``?

    Transitions are not asked here: the transition table says who may perform them.
    """
    relations = case_relations(user, case) if relations is None else relations
    return bool(relations & ACTIONS[action])


def can_register_at(user: User, centre: Centre, *, court_entrusted: bool = False) -> bool:
    """May ``user`` register a new case at ``centre``?

    Intake officers at their own centre, directors anywhere in their subtree, administrators
    anywhere, and a court's liaison (court-entrusted cases only) at the centres the court serves
    (``Centre.objects.courts_serving``: by default the court's district).
    """
    scope = scope_of(user)
    if scope.is_admin:
        return True
    if centre in scope.centres(Role.INTAKE):
        return True
    if any(centre.is_within(c) for c in scope.centres(Role.DIRECTOR)):
        return True
    courts = scope.centres(Role.COURT_LIAISON)
    if court_entrusted and courts:
        serving = Centre.objects.courts_serving(centre)
        return serving.filter(pk__in=[c.pk for c in courts]).exists()
    return False


def report_centres(user: User | AnonymousUser) -> QuerySet[Centre]:
    """Centres whose monthly reports the user may read: any for an administrator; for a director
    or an observer, every centre of the subtrees they supervise (DESIGN §2). Others read none."""
    scope = scope_of(user)
    if scope.is_admin:
        return Centre.objects.all()
    return Centre.objects.filter(_supervised_q(scope))


def can_read_reports(user: User) -> bool:
    scope = scope_of(user)
    return scope.is_admin or bool(scope.centres(Role.DIRECTOR, Role.OBSERVER))


def audit_centres(user: User | AnonymousUser) -> QuerySet[Centre]:
    """Centres whose audit records the user may read: any for an administrator, the subtrees a
    director directs (not an observer's: the trail names people and what they read)."""
    scope = scope_of(user)
    if scope.is_admin:
        return Centre.objects.all()
    return Centre.objects.filter(_directed_q(scope))


def _directed_q(scope: UserScope) -> Q:
    q = Q(pk__in=[])
    for centre in scope.centres(Role.DIRECTOR):
        q |= Q(path__startswith=centre.path)
    return q


def can_read_audit(user: User | AnonymousUser) -> bool:
    """Administrators (every record) and directors (their subtrees' records) read the trail."""
    scope = scope_of(user)
    return scope.is_admin or bool(scope.centres(Role.DIRECTOR))


# --- Requests from the people concerned (issue 22) --------------------------------------------


def can_search_subjects(user: User | AnonymousUser) -> bool:
    """Directors and administrators look up what is held about a person (in their own scope;
    city-wide with an approved request)."""
    return can_read_audit(user)


def can_request_erasure(user: User | AnonymousUser) -> bool:
    """Directors, intake officers (the window the person comes to) and administrators."""
    scope = scope_of(user)
    return scope.is_admin or bool(scope.centres(Role.DIRECTOR, Role.INTAKE))


def can_use_subject_requests(user: User | AnonymousUser) -> bool:
    """Who reaches the personal data request pages at all."""
    return can_search_subjects(user) or can_request_erasure(user)


def is_city_director(user: User | AnonymousUser) -> bool:
    """A director of a root centre (the city's)."""
    return any(c.parent_id is None for c in scope_of(user).centres(Role.DIRECTOR))


def can_decide_city_search(user: User | AnonymousUser) -> bool:
    """A city-wide search is approved by a director of the city centre or an administrator."""
    return scope_of(user).is_admin or is_city_director(user)


def directs_all(user: User | AnonymousUser, centres: Iterable[Centre]) -> bool:
    """Whether ``user`` is an administrator or directs a subtree holding each of ``centres``
    (the director over the centres an erasure concerns)."""
    scope = scope_of(user)
    if scope.is_admin:
        return True
    directed = scope.centres(Role.DIRECTOR)
    return bool(directed) and all(any(c.path.startswith(d.path) for d in directed) for c in centres)
