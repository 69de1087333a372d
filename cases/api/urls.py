"""API v1 routes. Every resource view derives from ``cases.api.base.ScopedViewSet``."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views.auth import MeView, TokenView
from .views.cases import CaseViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cases", CaseViewSet, basename="case")

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("", include(router.urls)),
]
