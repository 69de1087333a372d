"""The audit page (``/audit/``): the audit trail for administrators (every record) and directors
(the records of the subtrees they direct), with filters, 50 a page newest first, and its CSV
(``/audit/export.csv``, the filtered records streamed; itself an ``audit_export`` record). Anyone
else gets 403: the page exists, it is not theirs to read.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ...access import can_read_audit
from ...documents import audit_export
from ...models import AuditAction
from ...queries.audit import AuditFilter, audit_records_for
from ...replica import streamed_from_replica
from ...services import audit
from ..base import AuthenticatedHttpRequest
from ..forms.case_list import lookup_field

PAGE_SIZE = 50


def _filtered(request: AuthenticatedHttpRequest) -> tuple[AuditFilter, str]:
    if not can_read_audit(request.user):
        raise PermissionDenied(_("Only administrators and centre directors read the audit trail."))
    filterset = AuditFilter(request.GET, queryset=audit_records_for(request.user), request=request)
    chosen = lookup_field(filterset.form, "centre", "web:lookup_centres", _("All centres"))
    return filterset, chosen


def _query_without_page(request: AuthenticatedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The records, newest first, 50 a page; the filters above them (a bad one: 400, named)."""
    filterset, chosen = _filtered(request)
    valid = filterset.is_valid()
    records = filterset.qs if valid else audit_records_for(request.user).none()
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": filterset.form,
        "chosen_centre": chosen,
        "page": page,
        "query": _query_without_page(request),
    }
    return render(request, "web/audit.html", context, status=200 if valid else 400)


@login_required
@require_GET
def audit_export_csv(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered records as CSV, streamed; one ``audit_export`` record names the filters and
    the number of rows."""
    filterset, _chosen = _filtered(request)
    if not filterset.is_valid():
        return render(
            request,
            "web/audit.html",
            {"form": filterset.form, "page": None, "query": ""},
            status=400,
        )
    records = filterset.qs
    filters = {
        name: values if len(values) > 1 else values[0]
        for name, values in request.GET.lists()
        if name != "page" and any(values)
    }
    audit.record(
        actor=request.user,
        action=AuditAction.AUDIT_EXPORT,
        details={"filters": filters, "rows": records.count(), "format": "csv"},
    )
    language = translation.get_language()
    zone = timezone.get_current_timezone()
    lines = audit_export.csv_lines(records.iterator(chunk_size=2000), language, zone)
    response = StreamingHttpResponse(
        streamed_from_replica(request.user, lines), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.csv"'
    )
    return response
