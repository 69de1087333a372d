"""The monthly report snapshots: which centres a run still owes, whom their e-mails go to, and
which snapshots a user may browse (the archive, issue 24)."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from ..access import report_centres
from ..models import Centre, Membership, ReportRun, ReportSnapshot, Role


def missing_centres(run: ReportRun) -> QuerySet[Centre]:
    """The centres that have no snapshot in ``run`` yet, in tree order."""
    return Centre.objects.exclude(
        pk__in=ReportSnapshot.objects.filter(run=run).values("centre_id")
    ).order_by("path")


def recipients(centre_id: int) -> QuerySet[User]:
    """Whom a centre's snapshot is e-mailed to: the active directors of the centre (not of the
    centres above it) who have an address."""
    memberships = Membership.objects.filter(centre_id=centre_id, role=Role.DIRECTOR)
    return (
        User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))
        .exclude(email="")
        .order_by("pk")
    )


def owed_emails(run: ReportRun) -> QuerySet[ReportSnapshot]:
    """``run``'s snapshots not e-mailed yet whose centre has someone to e-mail."""
    return owed(ReportSnapshot.objects.filter(run=run)).order_by("pk")


def owed(snapshots: QuerySet[ReportSnapshot]) -> QuerySet[ReportSnapshot]:
    """Those of ``snapshots`` not e-mailed yet whose centre has someone to e-mail."""
    with_directors = Membership.objects.filter(role=Role.DIRECTOR, user__is_active=True).exclude(
        user__email=""
    )
    return snapshots.filter(
        emailed_at__isnull=True, centre_id__in=with_directors.values("centre_id")
    )


def snapshots_for(user: User | AnonymousUser) -> QuerySet[ReportSnapshot]:
    """The snapshots of the centres whose reports ``user`` reads (``access.report_centres``:
    administrators all, directors and observers their subtrees, nobody else any)."""
    return ReportSnapshot.objects.filter(centre__in=report_centres(user)).select_related(
        "centre", "run"
    )
