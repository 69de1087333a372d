"""A background export's page (its progress, polled with HTMX) and its download: its owner's only
(anyone else's, or an unknown one, is "not found")."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ...models import Export, ExportStatus
from ..base import AuthenticatedHttpRequest

# How often the page asks for the progress of an export still being written.
POLL_SECONDS = 2


def _own_export(request: AuthenticatedHttpRequest, pk: int) -> Export:
    return get_object_or_404(Export, pk=pk, user=request.user, expires_at__gt=timezone.now())


@login_required
@require_GET
def export_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The export's state and progress; while it runs, the progress part asks again every
    ``POLL_SECONDS`` (HTMX ``every``) and replaces itself, until the file is ready."""
    export = _own_export(request, pk)
    context = {
        "export": export,
        "running": export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
        "poll_seconds": POLL_SECONDS,
        "keep_days": settings.EXPORT_KEEP_DAYS,
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, "web/partials/export_progress.html", context)
    return render(request, "web/export.html", context)


@login_required
@require_GET
def export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    export = _own_export(request, pk)
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404()
    response = FileResponse(export.file.open("rb"), as_attachment=True, filename=export.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
