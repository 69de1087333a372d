"""Printed records of a case: the registration form (受理登记表), a session's record (调解笔录) and
the whole case file (卷宗), each as a page to print and as a PDF.

The documents are made by ``cases.documents.registration``, ``cases.documents.session_record`` and
``cases.documents.case_file``; whoever may see the case may print them (ID numbers and phones
masked, as everywhere, except the case file's agreement for a user who may reveal them: a logged
reveal).
"""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from ...documents import case_file, registration, session_record
from ...documents.pdf import PdfUnavailable, pdf_file, pdf_response, pdf_unavailable, render_pdf
from ...models import Session, SessionStatus
from ...queries.cases import case_file_cases_for, cases_for
from ...queries.sessions import sessions_for
from ..base import AuthenticatedHttpRequest, document_case_or_404

# --- The registration form ------------------------------------------------------------------


@login_required
@require_GET
def registration_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The registration form as an A4 page to print."""
    case = document_case_or_404(request.user, pk, cases_for(request.user))
    return render(request, registration.PAGE_TEMPLATE, registration.context(case))


@login_required
@require_GET
def registration_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The same form as a PDF."""
    case = document_case_or_404(request.user, pk, cases_for(request.user))
    return pdf_response(
        request,
        registration.PAGE_TEMPLATE,
        registration.context(case, for_pdf=True),
        filename=registration.filename(case),
        fallback_url=reverse("web:registration_print", args=[case.pk]),
    )


# --- A session's record ---------------------------------------------------------------------


def _session(request: AuthenticatedHttpRequest, pk: int, session_pk: int) -> Session:
    """The session of the case, if the user may see the case; a cancelled one has no record."""
    case = document_case_or_404(request.user, pk, cases_for(request.user))
    session = get_object_or_404(
        sessions_for(request.user).filter(case=case).select_related("recorded_by"), pk=session_pk
    )
    if session.status == SessionStatus.CANCELLED:
        raise Http404()
    session.case = case
    return session


@login_required
@require_GET
def session_record_print(
    request: AuthenticatedHttpRequest, pk: int, session_pk: int
) -> HttpResponse:
    """The session record as an A4 page to print (blank, to fill in by hand, before it is
    written)."""
    session = _session(request, pk, session_pk)
    return render(request, session_record.PAGE_TEMPLATE, session_record.context(session))


@login_required
@require_GET
def session_record_pdf(request: AuthenticatedHttpRequest, pk: int, session_pk: int) -> HttpResponse:
    """The same record as a PDF."""
    session = _session(request, pk, session_pk)
    return pdf_response(
        request,
        session_record.PAGE_TEMPLATE,
        session_record.context(session, for_pdf=True),
        filename=session_record.filename(session),
        fallback_url=reverse("web:session_record_print", args=[session.case_id, session.pk]),
    )


# --- The whole case file (卷宗) ----------------------------------------------------------------
# With the reveal permission its agreement states the parties in clear, and each page or PDF made
# is one logged reveal: the answer is kept by no browser and no proxy.


@login_required
@require_GET
def case_file_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The case file as A4 pages to print: cover, index, registration, records, agreement,
    follow-up, attachments listed."""
    case = document_case_or_404(request.user, pk, case_file_cases_for(request.user))
    response = render(
        request, case_file.PAGE_TEMPLATE, case_file.context(case, request.user, for_pdf=False)
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def case_file_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The same file as one PDF."""
    case = document_case_or_404(request.user, pk, case_file_cases_for(request.user))
    try:
        # A PDF that cannot be made reveals nothing: its reveal event is rolled back.
        with transaction.atomic():
            context = case_file.context(case, request.user, for_pdf=True)
            content = render_pdf(case_file.PAGE_TEMPLATE, context, request)
    except PdfUnavailable:
        return pdf_unavailable(request, reverse("web:case_file_print", args=[case.pk]))
    response = pdf_file(content, case_file.filename(case))
    add_never_cache_headers(response)
    return response
