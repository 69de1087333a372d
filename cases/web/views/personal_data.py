"""The personal data requests (``/personal-data/``; docs/personal-data.md, "Requests from the
people concerned"): look up what is held about a person in one's scope, ask for a city-wide
search or an erasure, decide them, export what is held for the person (PDF or JSON).

Directors and administrators search; directors, intake officers and administrators ask for an
erasure; anyone else gets 403. A request the user may not read is a 404, like a missing one.
"""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...access import (
    can_read_audit,
    can_request_erasure,
    can_search_subjects,
    can_use_subject_requests,
    visible_cases,
)
from ...documents import audit_extract as audit_extract_document
from ...documents.pdf import pdf_response
from ...errors import DomainError, NotPermitted
from ...models import Party, SubjectRequest
from ...queries.subject_requests import export_content, subject_requests_for
from ...services import subject_requests
from ..base import AuthenticatedHttpRequest, add_domain_error
from ..forms.personal_data import (
    DecisionForm,
    ErasureForm,
    ExportForm,
    ExtractForm,
    SearchForm,
)

PAGE_SIZE = 50
PDF_TEMPLATE = "web/subject_export.html"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(
            _("Only directors, intake officers and administrators handle personal data requests.")
        )


def _results(
    request: AuthenticatedHttpRequest,
    parties: list[Party],
    *,
    person: str,
    numbers: dict[str, str],
    subject_request: SubjectRequest | None = None,
) -> HttpResponse:
    return render(
        request,
        "web/personal_data_results.html",
        {
            "parties": parties,
            "person": person,
            "numbers": numbers,
            "subject_request": subject_request,
        },
    )


@login_required
@require_GET
def request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The requests the user reads, newest first, with the ways to make a new one."""
    _require(can_use_subject_requests(request.user))
    page = Paginator(subject_requests_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/personal_data.html",
        {
            "page": page,
            "may_search": can_search_subjects(request.user),
            "may_erase": can_request_erasure(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search in one's own scope (the results at once), or ask for a city-wide search."""
    _require(can_search_subjects(request.user))
    form = SearchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        numbers = {"id_number": data["id_number"], "phone": data["phone"]}
        try:
            if "city" in request.POST:
                made = subject_requests.request_city_search(
                    actor=request.user, reason=data["reason"], **numbers
                )
                messages.success(request, _("City-wide search requested."))
                return redirect("web:personal_data_request", pk=made.pk)
            parties = subject_requests.search(actor=request.user, **numbers)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            shown = subject_requests.masked(**numbers)
            person = " / ".join(v for v in shown.values() if v)
            return _results(request, parties, person=person, numbers=numbers)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/personal_data_search.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def erasure(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for the erasure of a person's data, with their reason."""
    _require(can_request_erasure(request.user))
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = subject_requests.request_erasure(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Erasure requested."))
            return redirect("web:personal_data_request", pk=made.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/personal_data_erasure.html", {"form": form}, status=status)


def _visible_numbers(request: AuthenticatedHttpRequest, numbers: list[str]) -> list[str]:
    """Of the case numbers an erasure's result names, those the reader sees."""
    if not numbers:
        return []
    seen = set(
        visible_cases(request.user).filter(number__in=numbers).values_list("number", flat=True)
    )
    return [n for n in numbers if n in seen]


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One request; its decision form for who may decide it (POST decides)."""
    subject_request = get_object_or_404(subject_requests_for(request.user), pk=pk)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                subject_requests.decide(
                    actor=request.user,
                    request=subject_request,
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data["reason"],
                )
            except NotPermitted as error:
                raise PermissionDenied(str(error)) from None
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("web:personal_data_request", pk=subject_request.pk)
        status = 400
    result = subject_request.result or {}
    context: dict[str, Any] = {
        "subject_request": subject_request,
        "form": form,
        "may_decide": subject_requests.can_decide(request.user, subject_request),
        "may_run": subject_request.requested_by_id == request.user.pk
        and subject_request.kind == "search"
        and subject_request.status == "approved",
        "anonymised": _visible_numbers(request, result.get("anonymised", [])),
        "held": _visible_numbers(request, result.get("held", [])),
    }
    return render(request, "web/personal_data_request.html", context, status=status)


@login_required
@require_POST
def request_run(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Run an approved city-wide search, once."""
    subject_request = get_object_or_404(subject_requests_for(request.user), pk=pk)
    try:
        parties = subject_requests.search(actor=request.user, request=subject_request)
    except DomainError as error:
        messages.error(request, str(error.fields.get("request", [error.message])[0]))
        return redirect("web:personal_data_request", pk=subject_request.pk)
    return _results(
        request, parties, person=subject_request.person, numbers={},
        subject_request=subject_request,
    )  # fmt: skip


@login_required
@require_POST
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What is held about the person, for them: a PDF (in the user's language) or JSON."""
    _require(can_search_subjects(request.user))
    form = ExportForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        subject_request = None
        if data["request"]:
            subject_request = subject_requests_for(request.user).filter(pk=data["request"]).first()
            if subject_request is None:
                form.add_error("request", _("No such request."))
        if not form.errors:
            try:
                parties = subject_requests.export(
                    actor=request.user, file_format=data["format"], id_number=data["id_number"],
                    phone=data["phone"], request=subject_request,
                )  # fmt: skip
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return _export_file(request, parties, data["format"], subject_request, data)
    return render(request, "web/personal_data_search.html", {"form": form}, status=400)


def _export_file(
    request: AuthenticatedHttpRequest,
    parties: list[Party],
    file_format: str,
    subject_request: SubjectRequest | None,
    data: dict[str, Any],
) -> HttpResponse:
    content = export_content(parties)
    if subject_request is not None:
        person = subject_request.person
    else:
        shown = subject_requests.masked(id_number=data["id_number"], phone=data["phone"])
        person = " / ".join(v for v in shown.values() if v)
    made_at = timezone.localtime()
    filename = f"personal-data-{made_at:%Y%m%d-%H%M}"
    if file_format == "json":
        body = json.dumps({"made_at": made_at.isoformat(), **content}, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    context = {"content": content, "person": person, "made_at": made_at}
    return pdf_response(request, PDF_TEMPLATE, context, filename=f"{filename}.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def audit_extract(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An audit extract for a regulator: one case (its events and audit records) or one person
    (the audit records about them), as CSV or PDF; administrators and directors."""
    if request.method == "GET" and request.GET:
        # The form is posted: a number in the query string is dropped, not echoed.
        return redirect("web:personal_data_extract")
    if not can_read_audit(request.user):
        raise PermissionDenied(_("Only administrators and centre directors read the audit trail."))
    form = ExtractForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            events, records = subject_requests.audit_extract(
                actor=request.user, file_format=data["format"], case_number=data["case_number"],
                id_number=data["id_number"], phone=data["phone"],
            )  # fmt: skip
        except DomainError as error:
            add_domain_error(form, error)
        else:
            made_at = timezone.localtime()
            filename = f"audit-extract-{made_at:%Y%m%d-%H%M}"
            zone = timezone.get_current_timezone()
            if data["format"] == "csv":
                language = translation.get_language()
                body = "".join(audit_extract_document.csv_text(events, records, language, zone))
                response = HttpResponse(body, content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
                return response
            context = {
                "header": audit_extract_document.header(),
                "rows": audit_extract_document.rows(events, records, zone),
                "subject": data["case_number"]
                or " / ".join(
                    v
                    for v in subject_requests.masked(
                        id_number=data["id_number"], phone=data["phone"]
                    ).values()
                    if v
                ),
                "made_at": made_at,
            }
            return pdf_response(
                request, "web/audit_extract_pdf.html", context, filename=f"{filename}.pdf"
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "web/audit_extract.html", {"form": form}, status=status)
