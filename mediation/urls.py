"""The URL root of the mediation project."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from cases.api.views.schema import EnglishSchemaView
from cases.web.views import profile
from mediation.health import healthz, readyz
from mediation.metrics import metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("cases.api.urls")),
    # One English schema whoever asks (issue 17).
    path("api/schema/", EnglishSchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own (?script): no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    # Probes are configured by hand: answer with and without the slash, never redirect.
    path("healthz", healthz, name="healthz"),
    path("healthz/", healthz),
    path("readyz", readyz, name="readyz"),
    path("readyz/", readyz),
    path("metrics", metrics, name="metrics"),
    # The language switch, which also stores a logged-in user's choice on their profile.
    path("i18n/setlang/", profile.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("cases.web.urls")),
]

handler400 = "mediation.views.bad_request"
handler404 = "mediation.views.not_found"
handler500 = "mediation.views.server_error"
