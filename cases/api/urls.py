"""API v1 routes. Every resource view derives from ``cases.api.base.ScopedViewSet``."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import schema_rules  # noqa: F401  (registers the schema's extensions)
from .views.agreements import AgreementViewSet
from .views.audit import AuditRecordViewSet
from .views.auth import LogoutAllView, LogoutView, MeView, TokensView, TokenView
from .views.cases import CaseViewSet
from .views.categories import CategoryViewSet
from .views.centres import CentreViewSet
from .views.events import EventFeedViewSet
from .views.follow_ups import FollowUpViewSet
from .views.mediators import MediatorViewSet
from .views.notifications import NotificationViewSet
from .views.parties import CasePartyViewSet, PartyViewSet
from .views.personal_data import PersonalDataViewSet, SubjectRequestViewSet
from .views.reports import ReportViewSet, TrendViewSet
from .views.rooms import RoomViewSet
from .views.sessions import SessionViewSet
from .views.snapshots import FILE_KINDS as SNAPSHOT_FILE_KINDS
from .views.snapshots import ReportSnapshotViewSet
from .views.transfers import TransferViewSet
from .views.users import UserViewSet
from .views.warnings import WarningViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# JSON is the only format: no "/cases/7.json" twins (whose extra ``format`` argument the actions
# do not take).
router.include_format_suffixes = False
router.register("cases", CaseViewSet, basename="case")
router.register("parties", PartyViewSet, basename="party")
router.register("sessions", SessionViewSet, basename="session")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("centres", CentreViewSet, basename="centre")
router.register("categories", CategoryViewSet, basename="category")
router.register("mediators", MediatorViewSet, basename="mediator")
router.register("rooms", RoomViewSet, basename="room")
router.register("users", UserViewSet, basename="user")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("events", EventFeedViewSet, basename="event")
router.register("audit", AuditRecordViewSet, basename="audit")
router.register("warnings", WarningViewSet, basename="warning")
router.register("personal-data/requests", SubjectRequestViewSet, basename="personal-data-request")

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/tokens/", TokensView.as_view(), name="tokens"),
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", LogoutAllView.as_view(), name="logout-all"),
    path("me/", MeView.as_view(), name="me"),
    path(
        "reports/monthly/",
        ReportViewSet.as_view({"get": "monthly"}),
        name="report-monthly",
    ),
    # The report's files, an operation each (one media type each: generated clients save them).
    *(
        path(
            f"reports/monthly/{kind}/",
            ReportViewSet.as_view({"get": f"monthly_{kind}"}),
            name=f"report-monthly-{kind}",
        )
        for kind in ("csv", "xlsx", "pdf")
    ),
    # The trend and the rankings (issue 24).
    path("reports/trend/", TrendViewSet.as_view({"get": "trend"}), name="report-trend"),
    *(
        path(
            f"reports/trend/{kind}/",
            TrendViewSet.as_view({"get": f"trend_{kind}"}),
            name=f"report-trend-{kind}",
        )
        for kind in ("csv", "xlsx")
    ),
    path("reports/rankings/", TrendViewSet.as_view({"get": "rankings"}), name="report-rankings"),
    # The snapshot archive (issue 24): the list, and each stored report's files.
    path(
        "reports/snapshots/",
        ReportSnapshotViewSet.as_view({"get": "list"}),
        name="report-snapshot-list",
    ),
    *(
        path(
            f"reports/snapshots/<int:pk>/{kind}/",
            ReportSnapshotViewSet.as_view({"get": f"file_{kind}"}),
            name=f"report-snapshot-{kind}",
        )
        for kind in SNAPSHOT_FILE_KINDS
    ),
    # A case's parties, changed under the case with its ETag (issue 19).
    path(
        "cases/<int:pk>/parties/",
        CasePartyViewSet.as_view({"post": "create"}),
        name="case-parties",
    ),
    path(
        "cases/<int:pk>/parties/<int:party_pk>/",
        CasePartyViewSet.as_view({"patch": "partial_update", "delete": "destroy"}),
        name="case-party",
    ),
    # Requests from the people concerned (issue 22): POST, the numbers out of URLs.
    path(
        "personal-data/search/",
        PersonalDataViewSet.as_view({"post": "search"}),
        name="personal-data-search",
    ),
    path(
        "personal-data/export/",
        PersonalDataViewSet.as_view({"post": "export"}),
        name="personal-data-export",
    ),
    path("", include(router.urls)),
]
