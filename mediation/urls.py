"""The URL root of the mediation project."""

from django.contrib import admin
from django.urls import path

from mediation.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    # Probes are configured by hand: answer with and without the slash, never redirect.
    path("healthz", healthz, name="healthz"),
    path("healthz/", healthz),
]
