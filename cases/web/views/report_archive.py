"""The snapshot archive (issue 24): a centre's monthly reports as the month-end runs kept them,
months and versions with their generation time and files, each download audited.

Who may see which centre's snapshots is ``cases.access.report_centres`` (through
``cases.queries.snapshots.snapshots_for``); a centre or a snapshot outside it is a 404, as a
missing one is.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ...access import can_read_reports
from ...documents import snapshot as snapshot_document
from ...documents.pdf import PdfUnavailable
from ...queries.snapshots import snapshots_for
from ...replica import replica_view
from ...services import audit
from ..base import AuthenticatedHttpRequest
from .reports import NO_REPORTS, _chosen_centre, default_centre, picker_centres, report_url

FILE_LABELS = (("pdf", "PDF"), ("xlsx", "Excel (XLSX)"), ("csv", "CSV"), ("json", "JSON"))


@login_required
@require_GET
@replica_view
def report_archive(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET ``?centre=<id>`` (default: the user's highest centre): that centre's snapshots, newest
    month first, every version of a month with its generation time and its files."""
    user = request.user
    raw = request.GET.get("centre", "").strip()
    chosen = _chosen_centre(user, raw) if raw else None
    if not can_read_reports(user):
        raise PermissionDenied(NO_REPORTS)
    if raw and chosen is None:
        raise Http404()
    centre = chosen or default_centre(user)
    months: list[dict[str, Any]] = []
    if centre is not None:
        rows = snapshots_for(user).filter(centre=centre).order_by("-month", "-version")
        for snapshot in rows:
            if not months or months[-1]["month"] != snapshot.month:
                months.append(
                    {
                        "month": snapshot.month,
                        "report_url": report_url(centre.pk, snapshot.month, "subtree"),
                        "versions": [],
                    }
                )
            months[-1]["versions"].append(
                {
                    "snapshot": snapshot,
                    "files": [
                        (label, reverse("web:report_snapshot_file", args=[snapshot.pk, kind]))
                        for kind, label in FILE_LABELS
                    ],
                }
            )
    context = {
        "centre": centre,
        "months": months,
        "centres": picker_centres(user, centre) if centre is not None else [],
    }
    return render(request, "web/report_archive.html", context)


@login_required
@require_GET
@replica_view
def report_snapshot_file(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """One stored report's file (``json``, ``csv``, ``xlsx``, ``pdf``), audited
    (``report_download``)."""
    if kind not in snapshot_document.FILE_KINDS:
        raise Http404()
    snapshot = snapshots_for(request.user).filter(pk=pk).first()
    if snapshot is None:
        raise Http404()
    try:
        name, content = snapshot_document.snapshot_file(snapshot, kind)
    except PdfUnavailable:
        return render(request, "web/pdf_unavailable.html", status=503)
    audit.downloaded(
        actor=request.user,
        document="report_snapshot",
        file_format=kind,
        centre=snapshot.centre,
        target=snapshot,
        report=True,
        month=f"{snapshot.month:%Y-%m}",
        version=snapshot.version,
    )
    response = HttpResponse(content, content_type=snapshot_document.CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
