"""Reads: scoped querysets, each with its joins chosen here, once.

Every function takes the user and starts from ``cases.access``, so a surface that reads through
these cannot see more than the scope rule allows. The ``select_related``/``prefetch_related`` here
keep a list's query count independent of its length, and a detail's of its parties and events.
"""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from . import access, deadlines, personal_data
from .models import (
    CONCLUDED_STATUSES,
    OPEN_STATUSES,
    Agreement,
    Case,
    Category,
    Centre,
    CentreKind,
    Event,
    FollowUp,
    Fulfilment,
    Mediator,
    Membership,
    Notification,
    Outcome,
    Party,
    RiskLevel,
    Role,
    Room,
    SavedSearch,
    Session,
    SessionMediator,
    SessionStatus,
    Status,
    Transfer,
    TransferStatus,
)
from .services.transfers import incoming_for


def cases_for(user: Any) -> QuerySet[Case]:
    """The user's cases with what the pages show of them: centres, category, mediators, parties."""
    return api_cases_for(user).select_related(
        "centre", "category", "lead_mediator", "transfer_target", "entrusting_court"
    )


def api_cases_for(user: Any) -> QuerySet[Case]:
    """The user's cases as the API shows them: related rows by id, so only the registering centre
    (the Chinese number names it) is joined; the five other joins cost more to plan and compile
    than the rest of a case read (issue #8)."""
    return (
        access.visible_cases(user)
        .select_related("registering_centre")
        .prefetch_related(
            "co_mediators",
            Prefetch("parties", queryset=Party.objects.order_by("position", "id")),
        )
    )


def _visible_case_ids(user: Any) -> QuerySet[Case, Any]:
    return access.visible_cases(user).values("pk")


def parties_for(user: Any) -> QuerySet[Party]:
    return Party.objects.filter(case__in=_visible_case_ids(user)).select_related("case")


def events_for(user: Any) -> QuerySet[Event]:
    return Event.objects.filter(case__in=_visible_case_ids(user)).select_related("actor")


def sessions_for(user: Any) -> QuerySet[Session]:
    return (
        Session.objects.filter(case__in=_visible_case_ids(user))
        .select_related("case", "room")
        .prefetch_related("mediators", "parties_present")
    )


def agreements_for(user: Any) -> QuerySet[Agreement]:
    return Agreement.objects.filter(case__in=_visible_case_ids(user)).select_related("case")


def follow_ups_for(user: Any) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(case__in=_visible_case_ids(user)).select_related(
        "case", "recorded_by"
    )


def transfers_for(user: Any) -> QuerySet[Transfer]:
    return Transfer.objects.filter(case__in=_visible_case_ids(user)).select_related(
        "case", "from_centre", "to_centre", "requested_by", "decided_by"
    )


def centres_for(user: Any) -> QuerySet[Centre]:
    return access.visible_centres(user).select_related("parent")


def mediators_for(user: Any) -> QuerySet[Mediator]:
    """Mediators serving at a visible centre (home or seat), with ``open_load``: the open cases
    each leads, the number ``assign`` holds against their capacity."""
    centres = access.visible_centres(user).values("pk")
    # Mediators of the centres above one's own serve there too (a district mediator may be assigned
    # to a community's case), so they are listed to those who assign them.
    scope = access.scope_of(user)
    above = {code for centre in scope.centres(*Role) for code in centre.ancestor_codes()}
    serving = Centre.objects.filter(Q(pk__in=centres) | Q(code__in=above)).values("pk")
    seated = Mediator.seats.through.objects.filter(centre__in=serving).values("mediator_id")
    # Filter through subqueries, not a join on seats, so the count below is not multiplied.
    return (
        Mediator.objects.filter(Q(home_centre__in=serving) | Q(pk__in=seated))
        .annotate(open_load=Count("led_cases", filter=Q(led_cases__status__in=OPEN_STATUSES)))
        .select_related("home_centre")
        .prefetch_related("seats", "specialties")
    )


def rooms_for(user: Any) -> QuerySet[Room]:
    return Room.objects.filter(centre__in=access.visible_centres(user).values("pk")).select_related(
        "centre"
    )


def categories_for(user: Any) -> QuerySet[Category]:
    """The category list is the same for everyone signed in."""
    if user is None or not user.is_authenticated:
        return Category.objects.none()
    return Category.objects.select_related("parent")


def users_for(user: Any) -> QuerySet[Any]:
    """Accounts and their memberships: administrators see all, everyone else none."""
    users = get_user_model().objects.order_by("id")
    if not access.scope_of(user).is_admin:
        return users.none()
    return users.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("centre").order_by("id"))
    )


# --- The workbench (home page) ---------------------------------------------------------------------


def my_open_cases(user: Any) -> QuerySet[Case]:
    """Open cases the user mediates (lead or co-mediator), the nearest deadline first."""
    mediator = access.scope_of(user).mediator
    if mediator is None:
        return Case.objects.none()
    co = Case.co_mediators.through.objects.filter(mediator=mediator).values("case_id")
    return (
        cases_for(user)
        .filter(Q(lead_mediator=mediator) | Q(pk__in=co), status__in=OPEN_STATUSES)
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )


def own_centres(user: Any) -> list[Centre]:
    """The centres the user works at (every membership and every mediator seat)."""
    scope = access.scope_of(user)
    centres = {c.pk: c for role in Role for c in scope.centres(role)}
    if scope.mediator_centre_ids - centres.keys():
        for centre in Centre.objects.filter(pk__in=scope.mediator_centre_ids - centres.keys()):
            centres[centre.pk] = centre
    return sorted(centres.values(), key=lambda c: c.path)


def unassigned_queue(user: Any) -> QuerySet[Case]:
    """Cases waiting for a decision or a mediator, oldest first: at the user's own centres, and
    for a director anywhere in the subtree (the director accepts and assigns there)."""
    where = Q(centre__in=own_centres(user))
    for centre in access.scope_of(user).centres(Role.DIRECTOR):
        where |= Q(centre__path__startswith=centre.path)
    return (
        cases_for(user)
        .filter(where, status__in=[Status.REGISTERED, Status.ACCEPTED], lead_mediator__isnull=True)
        .order_by("registered_at", "id")
    )


def sessions_on(user: Any, day: date) -> QuerySet[Session]:
    """Scheduled sessions on ``day`` (local): a mediator's own, otherwise those at own centres."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    sessions = sessions_for(user).filter(
        starts_at__gte=start,
        starts_at__lt=start + timedelta(days=1),
        status=SessionStatus.SCHEDULED,
    )
    mediator = access.scope_of(user).mediator
    if mediator is not None:
        sessions = sessions.filter(mediators=mediator)
    elif not access.scope_of(user).is_admin:
        sessions = sessions.filter(case__centre__in=own_centres(user))
    return sessions.select_related("case__centre").order_by("starts_at", "id")


def supervised_subtrees(user: Any) -> list[Centre]:
    """The centres whose subtrees the user directs or observes (administrators: the roots)."""
    scope = access.scope_of(user)
    if scope.is_admin:
        return list(Centre.objects.filter(parent__isnull=True))
    return sorted(scope.centres(Role.DIRECTOR, Role.OBSERVER), key=lambda c: c.path)


def work_in_hand(user: Any, centre: Centre) -> dict[str, Any]:
    """Counts over ``centre``'s subtree of the cases not yet closed or declined: by status,
    overdue and high-risk. Closed and declined cases (the bulk of ten years) are not counted,
    so the cost follows the work in hand, not the archive."""
    in_hand = [*OPEN_STATUSES, *CONCLUDED_STATUSES]
    cases = access.visible_cases(user).filter(
        centre__path__startswith=centre.path, status__in=in_hand
    )
    totals = cases.aggregate(
        overdue=Count("pk", filter=deadlines.overdue_q()),
        high_risk=Count("pk", filter=Q(risk_level=RiskLevel.HIGH, status__in=OPEN_STATUSES)),
    )
    by_status = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
    return {
        "centre": centre,
        "by_status": [(s, by_status.get(s.value, 0)) for s in Status if s.value in in_hand],
        "overdue": totals["overdue"],
        "high_risk": totals["high_risk"],
    }


# --- Calendar, transfers inbox, roster -------------------------------------------------------------


def week_sessions(
    user: Any,
    *,
    start: datetime,
    end: datetime,
    centre: Centre | None = None,
    subtree: bool = False,
    mediator: Mediator | None = None,
    room: Room | None = None,
) -> QuerySet[Session]:
    """Sessions starting in ``[start, end)`` of the cases the user may see, for one centre (the
    cases it handles and its rooms; with ``subtree`` the centres below too), one mediator (their
    bookings) or one room, in time order. Held and cancelled sessions are included."""
    sessions = sessions_for(user).filter(starts_at__gte=start, starts_at__lt=end)
    if centre is not None:
        if subtree:
            sessions = sessions.filter(
                Q(case__centre__path__startswith=centre.path)
                | Q(room__centre__path__startswith=centre.path)
            )
        else:
            sessions = sessions.filter(Q(case__centre=centre) | Q(room__centre=centre))
    if mediator is not None:
        # A subquery on the bookings, not a join, so a session is listed once.
        booked = SessionMediator.objects.filter(mediator=mediator).values("session_id")
        sessions = sessions.filter(pk__in=booked)
    if room is not None:
        sessions = sessions.filter(room=room)
    return (
        sessions.select_related("case__centre", "room")
        .prefetch_related(None)
        .prefetch_related("mediators")
        .order_by("starts_at", "id")
    )


def centres_near(
    user: Any, centres: QuerySet[Centre], around: Centre | None = None
) -> QuerySet[Centre]:
    """A short list of ``centres`` for a picker (a city has thousands): the user's own centres
    (administrators: the roots), the centres above them and just below them, and ``around`` (the
    chosen centre) with its parent and the centres just below it, in tree order."""
    anchors = own_centres(user) or supervised_subtrees(user)
    above = {code for centre in anchors for code in centre.ancestor_codes()}
    near = Q(code__in=above) | Q(parent__in=anchors)
    if around is not None:
        near |= Q(pk=around.pk) | Q(parent=around)
        if around.parent_id is not None:
            near |= Q(pk=around.parent_id)
    return centres.filter(near).order_by("path")


def serving_at(mediators: QuerySet[Mediator], centre: Centre) -> QuerySet[Mediator]:
    """Those of ``mediators`` based or holding a seat at ``centre``."""
    seated = Mediator.seats.through.objects.filter(centre=centre).values("mediator_id")
    return mediators.filter(Q(home_centre=centre) | Q(pk__in=seated))


def mediator_choices(user: Any) -> QuerySet[Mediator]:
    """The mediators of ``mediators_for`` without their load: for a picker."""
    return (
        Mediator.objects.filter(pk__in=mediators_for(user).values("pk"))
        .select_related("home_centre")
        .order_by("name", "id")
    )


def outgoing_transfers(user: Any) -> QuerySet[Transfer]:
    """Pending transfers sent from the user's own centres (or from the subtrees they direct or
    observe) that the user does not receive themselves: read-only, for the transfers inbox."""
    scope = access.scope_of(user)
    sent = Q(from_centre__in=own_centres(user))
    for centre in scope.centres(Role.DIRECTOR, Role.OBSERVER):
        sent |= Q(from_centre__path__startswith=centre.path)
    if scope.is_admin:
        sent = Q()
    return (
        transfers_for(user)
        .filter(sent, status=TransferStatus.PENDING)
        .exclude(pk__in=incoming_for(user).values("pk"))
        .order_by("requested_at", "id")
    )


def roster_centres(user: Any) -> QuerySet[Centre]:
    """The centres where a mediator of ``mediators_for`` is based or holds a seat: the roster's
    centre filter (it includes the centres above one's own, whose mediators serve there too)."""
    mediators = mediators_for(user).values("pk")
    seats = Mediator.seats.through.objects.filter(mediator__in=mediators).values("centre_id")
    homes = Mediator.objects.filter(pk__in=mediators).values("home_centre_id")
    return Centre.objects.filter(Q(pk__in=homes) | Q(pk__in=seats)).order_by("path")


def roster(
    user: Any,
    *,
    centre: Centre | None = None,
    kind: str = "",
    specialty: Category | None = None,
    active: bool | None = None,
    search: str = "",
) -> QuerySet[Mediator]:
    """``mediators_for`` filtered for the roster page, by name. ``centre``: based or seated there;
    ``specialty``: a category or, for a top-level one, any of its sub-categories."""
    mediators = mediators_for(user)
    # Subqueries, not joins: a join on a many-to-many would multiply the annotated open load.
    if centre is not None:
        mediators = serving_at(mediators, centre)
    if kind:
        mediators = mediators.filter(kind=kind)
    if specialty is not None:
        specialists = Mediator.specialties.through.objects.filter(
            Q(category=specialty) | Q(category__parent=specialty)
        ).values("mediator_id")
        mediators = mediators.filter(pk__in=specialists)
    if active is not None:
        mediators = mediators.filter(active=active)
    if search.strip():
        mediators = mediators.filter(name__icontains=search.strip())
    return mediators.order_by("name", "id")


def mediator_open_cases(user: Any, mediator: Mediator) -> QuerySet[Case]:
    """Open cases ``mediator`` leads or co-mediates that the *user* may see, nearest deadline first."""
    co = Case.co_mediators.through.objects.filter(mediator=mediator).values("case_id")
    return (
        cases_for(user)
        .filter(Q(lead_mediator=mediator) | Q(pk__in=co), status__in=OPEN_STATUSES)
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )


def mediator_upcoming_sessions(user: Any, mediator: Mediator) -> QuerySet[Session]:
    """Scheduled sessions from now on that ``mediator`` is booked for, of cases the user may see."""
    booked = SessionMediator.objects.filter(mediator=mediator, cancelled=False).values("session_id")
    return (
        sessions_for(user)
        .filter(pk__in=booked, status=SessionStatus.SCHEDULED, ends_at__gte=timezone.now())
        .select_related("case__centre", "room")
        .prefetch_related(None)
        .order_by("starts_at", "id")
    )


# --- Agreements -------------------------------------------------------------------------------------


def agreement_cases_for(user: Any) -> QuerySet[Case]:
    """Cases that have an agreement, with all the printable agreement (调解协议书) shows:
    the agreement, parties, mediators, centres and category, in a fixed number of queries."""
    return (
        cases_for(user)
        .filter(agreement__isnull=False)
        .select_related("agreement", "category__parent")
    )


# The outcomes with which a court-entrusted case goes back to its court, with a closing summary.
RETURNED_TO_COURT = (Outcome.FAILED, Outcome.WITHDRAWN)


def returned_to_court_cases_for(user: Any) -> QuerySet[Case]:
    """Court-entrusted cases concluded without agreement, with what their closing summary for the
    court shows: parties, the sessions held and the mediators, in a fixed number of queries."""
    held = Session.objects.filter(status=SessionStatus.HELD).order_by("starts_at")
    return (
        cases_for(user)
        .filter(entrusting_court__isnull=False, outcome__in=RETURNED_TO_COURT)
        .select_related("category__parent")
        .prefetch_related(Prefetch("sessions", queryset=held, to_attr="held_sessions"))
    )


# --- Intake ---------------------------------------------------------------------------------------


def intake_centres(user: Any) -> QuerySet[Centre]:
    """Active centres where the user may register a case, as ``access.can_register_at`` decides.

    Courts are left out: a court entrusts cases, it does not handle them. The centres of a court
    liaison (those of the court's district) take court-entrusted cases only, which
    ``register_case`` checks against the channel.
    """
    scope = access.scope_of(user)
    centres = Centre.objects.filter(active=True).exclude(kind=CentreKind.COURT)
    if not scope.is_admin:
        q = Q(pk__in=[c.pk for c in scope.centres(Role.INTAKE)])
        for centre in scope.centres(Role.DIRECTOR):
            q |= Q(path__startswith=centre.path)
        for area_path in _served_area_paths(scope.centres(Role.COURT_LIAISON)):
            q |= Q(path__startswith=area_path)
        centres = centres.filter(q)
    return centres.order_by("path")


def _served_area_paths(courts: Sequence[Centre]) -> set[str]:
    """The paths of the areas ``courts`` serve: those set on a court, else its parent (the
    court's path without its own last step). One query, none without courts."""
    if not courts:
        return set()
    through = Centre.served_areas.through.objects
    rows = through.filter(from_centre__in=courts).values_list("from_centre_id", "to_centre__path")
    configured: dict[int, list[str]] = {}
    for court_id, path in rows:
        configured.setdefault(court_id, []).append(path)
    paths: set[str] = set()
    for court in courts:
        paths.update(configured.get(court.pk) or [court.path.removesuffix(f"{court.code}/")])
    return {path for path in paths if path}


def entrusting_courts(user: Any) -> QuerySet[Centre]:
    """The courts a new court-entrusted case may name, in one query.

    A court liaison names their own court(s); intake officers and directors the courts that serve
    one of the centres they register at (``Centre.objects.courts_serving``: by default the court
    of the district); administrators any active court. Whether the court serves the centre
    actually chosen is ``register_case``'s check.
    """
    scope = access.scope_of(user)
    if scope.is_admin:
        return Centre.objects.filter(kind=CentreKind.COURT, active=True).order_by("path")
    intake, directed = scope.centres(Role.INTAKE), scope.centres(Role.DIRECTOR)
    if intake or directed:
        return Centre.objects.courts_serving_any(centres=intake, subtrees=directed)
    return (
        Centre.objects.filter(kind=CentreKind.COURT, active=True)
        .filter(pk__in=[c.pk for c in scope.centres(Role.COURT_LIAISON)])
        .order_by("path")
    )


def cases_of_person(user: Any, *, id_number: str = "", phone: str = "") -> QuerySet[Case]:
    """Cases the user may see with a party of this ID number or phone, newest first.

    Matched through the keyed hash of the normalised value (``138 1234 5678`` and
    ``+86 13812345678`` are one phone), never by decrypting rows; a value that does not look like
    an ID number or phone matches nothing.
    """
    match = Q()
    for kind, value in (
        (personal_data.Kind.ID_NUMBER, id_number),
        (personal_data.Kind.PHONE, phone),
    ):
        if value and personal_data.looks_valid(kind, value):
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


# --- Case page ------------------------------------------------------------------------------------


def case_page_cases(user: Any) -> QuerySet[Case]:
    """``cases_for`` with what the case page shows besides: the category's parent."""
    return cases_for(user).select_related("category__parent")


def case_sessions(user: Any, case: Case) -> QuerySet[Session]:
    """The case's sessions, earliest first, with rooms, mediators and parties present."""
    return sessions_for(user).filter(case=case).order_by("starts_at", "id")


def case_agreement(user: Any, case: Case) -> Agreement | None:
    return agreements_for(user).filter(case=case).first()


def case_transfers(user: Any, case: Case) -> QuerySet[Transfer]:
    """The case's hand-overs, oldest first: its handling-centre history."""
    return transfers_for(user).filter(case=case).order_by("requested_at", "id")


def case_follow_ups(user: Any, case: Case) -> QuerySet[FollowUp]:
    return follow_ups_for(user).filter(case=case).order_by("due_on", "id")


def case_timeline(user: Any, case: Case) -> QuerySet[Event]:
    """The case's events, newest first (what happened last is what the reader wants first)."""
    return events_for(user).filter(case=case).order_by("-at", "-id")


def case_party(user: Any, case: Case, pk: Any) -> Party | None:
    """One party of ``case`` (``None`` for a party of another case, or none at all)."""
    return parties_for(user).filter(case=case, pk=pk).first()


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


# Bodies a case goes "across" to (DESIGN §3): not the comprehensive centres of other streets.
ACROSS_KINDS = (
    CentreKind.PROFESSIONAL,
    CentreKind.COURT_ROOM,
    CentreKind.COURT,
    CentreKind.DEPARTMENT,
)


def transfer_targets(case: Case) -> dict[str, list[Centre]]:
    """Where a case may sensibly be transferred, in one query, by direction:

    - ``up``: the parent centre and every centre above it, nearest first;
    - ``down``: the centre's children;
    - ``across``: active professional committees, court-attached rooms and functional
      departments attached to the case's centre or to a centre above it (its street, district,
      city), so never the thousands of centres of other districts; and the courts that serve the
      case's centre (``Centre.objects.courts_serving``), the only courts a transfer may go to.

    Not scoped by user: only supervisors may transfer, and the destinations are usually outside
    their own subtree (the parent, a court).
    """
    centre = case.centre
    codes = centre.ancestor_codes()
    candidates = (
        Centre.objects.active()
        .filter(
            (
                Q(code__in=codes[:-1])
                | Q(parent=centre)
                | Q(parent__code__in=codes, kind__in=ACROSS_KINDS)
            )
            & ~Q(kind=CentreKind.COURT)
            | Q(pk__in=Centre.objects.courts_serving(centre).values("pk"))
        )
        .exclude(pk=centre.pk)
        .order_by("path")
    )
    targets: dict[str, list[Centre]] = {"up": [], "down": [], "across": []}
    for target in candidates:
        if centre.is_within(target):
            targets["up"].append(target)
        elif target.parent_id == centre.pk:
            targets["down"].append(target)
        else:
            targets["across"].append(target)
    targets["up"].reverse()  # nearest first
    return targets


# --- Case list --------------------------------------------------------------------------------------

# The sort keys of the case list and its CSV; "-key" sorts descending.
CASE_LIST_SORT_KEYS = ("registered_at", "number", "deadline", "status", "risk_level")


def case_list(user: Any) -> QuerySet[Case]:
    """``cases_for`` with the category's parent too: the CSV names "parent / sub-category"."""
    return cases_for(user).select_related("category__parent")


def order_case_list(cases: QuerySet[Case], ordering: str) -> QuerySet[Case]:
    """``cases`` sorted by a key of ``CASE_LIST_SORT_KEYS`` (``"-key"``: descending), the id
    breaking ties so that pages never overlap.

    ``deadline`` is the clock running now (``Case.running_deadline``): the acceptance decision while
    registered, the mediation deadline while accepted, in mediation or pending transfer; cases with
    no running clock come last either way. ``status`` follows the lifecycle, ``risk_level`` rises
    from normal to high (neither is alphabetical).
    """
    descending = ordering.startswith("-")
    key = ordering.removeprefix("-")
    if key not in CASE_LIST_SORT_KEYS:
        raise ValueError(f"unknown case list ordering {ordering!r}")
    if key == "deadline":
        cases = cases.alias(
            sort_key=SqlCase(
                When(status=Status.REGISTERED, then=F("acceptance_due_at")),
                When(status__in=deadlines.MEDIATION_CLOCK_STATUSES, then=F("due_at")),
                default=None,
                output_field=DateTimeField(),
            )
        )
    elif key == "status":
        ranks = [When(status=s, then=Value(rank)) for rank, s in enumerate(Status)]
        cases = cases.alias(sort_key=SqlCase(*ranks, output_field=IntegerField()))
    elif key == "risk_level":
        ranks = [When(risk_level=r, then=Value(rank)) for rank, r in enumerate(RiskLevel)]
        cases = cases.alias(sort_key=SqlCase(*ranks, output_field=IntegerField()))
    else:
        cases = cases.alias(sort_key=F(key))
    if descending:
        return cases.order_by(F("sort_key").desc(nulls_last=True), "-id")
    return cases.order_by(F("sort_key").asc(nulls_last=True), "id")


# --- Due lists ------------------------------------------------------------------------------------

# What a due-list row shows and decides from: the case's centres (who supervises it), its parties
# and its co-mediators (who mediates it), loaded once for the whole list.
_DUE_RELATED = ("case__centre", "case__transfer_target")


def _due_prefetches() -> list[Any]:
    return [
        Prefetch("case__parties", queryset=Party.objects.order_by("position", "id")),
        "case__co_mediators",
    ]


def agreements_due(user: Any, *, until: date) -> QuerySet[Agreement]:
    """Agreements to supervise (People's Mediation Law art. 31): a performance deadline on or
    before ``until`` and not yet fulfilled (pending, partly or not fulfilled: those past their
    deadline stay on the list, flagged), earliest deadline first."""
    return (
        agreements_for(user)
        .filter(performance_deadline__lte=until)
        .exclude(fulfilment=Fulfilment.FULFILLED)
        .select_related(*_DUE_RELATED)
        .prefetch_related(*_due_prefetches())
        .order_by("performance_deadline", "id")
    )


def follow_ups_due(user: Any, *, until: date) -> QuerySet[FollowUp]:
    """Follow-up visits not yet recorded and due on or before ``until``, earliest first."""
    return (
        follow_ups_for(user)
        .filter(done_at__isnull=True, due_on__lte=until)
        .select_related(*_DUE_RELATED)
        .prefetch_related(*_due_prefetches())
        .order_by("due_on", "id")
    )


# --- Notifications ---------------------------------------------------------------------------------


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The user's notifications, newest first, each with its case and ``case_visible``.

    ``case_visible`` is whether the user may still see the case (a case may have moved out of
    their scope since): one ``EXISTS`` per row, so a page of the list is one query.
    """
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    visible = access.visible_cases(user).filter(pk=OuterRef("case_id"))
    return (
        Notification.objects.filter(user=user)
        .select_related("case")
        .annotate(case_visible=Exists(visible))
        .order_by("-created_at", "-pk")
    )


# --- Searches kept server-side -----------------------------------------------------------------------


def saved_search_text(user: Any, key: str) -> str | None:
    """The text of the user's unexpired saved search ``key``; ``None`` for a key that is unknown,
    expired or another user's (the same answer for all three)."""
    if user is None or not user.is_authenticated or not key:
        return None
    stored = (
        SavedSearch.objects.filter(key=key, user=user, expires_at__gt=timezone.now())
        .values_list("query_encrypted", flat=True)
        .first()
    )
    return personal_data.decrypt(stored) if stored else None
