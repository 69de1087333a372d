"""Reads of centres and their rooms: the user's own, those near them for a picker, where the user
may register a case and which courts may entrust one."""

from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from .. import access
from ..models import Centre, CentreKind, Role, Room


def centres_for(user: User | AnonymousUser) -> QuerySet[Centre]:
    return access.visible_centres(user).select_related("parent")


def rooms_for(user: User | AnonymousUser) -> QuerySet[Room]:
    return Room.objects.filter(centre__in=access.visible_centres(user).values("pk")).select_related(
        "centre"
    )


def own_centres(user: User) -> list[Centre]:
    """The centres the user works at (every membership and every mediator seat)."""
    scope = access.scope_of(user)
    centres = {c.pk: c for role in Role for c in scope.centres(role)}
    if scope.mediator_centre_ids - centres.keys():
        for centre in Centre.objects.filter(pk__in=scope.mediator_centre_ids - centres.keys()):
            centres[centre.pk] = centre
    return sorted(centres.values(), key=lambda c: c.path)


def supervised_subtrees(user: User) -> list[Centre]:
    """The centres whose subtrees the user directs or observes (administrators: the roots)."""
    scope = access.scope_of(user)
    if scope.is_admin:
        return list(Centre.objects.filter(parent__isnull=True))
    return sorted(scope.centres(Role.DIRECTOR, Role.OBSERVER), key=lambda c: c.path)


def centres_near(
    user: User, centres: QuerySet[Centre], around: Centre | None = None
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


def intake_centres(user: User) -> QuerySet[Centre]:
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


def entrusting_courts(user: User) -> QuerySet[Centre]:
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
