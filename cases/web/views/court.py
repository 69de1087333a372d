"""The closing summary a court-entrusted case goes back to its court with (DESIGN §3, §4).

When mediation of a case the court entrusted ends without agreement (failed, or withdrawn), the
court resumes its own proceedings; the centre sends it a summary of what was done: the parties, the
dispute, the sessions held, the outcome and the guidance given. The court's liaison is notified
(``services.notifications.notify_returned_to_court``) and reads it here, like the centre's staff.
The document is made by ``cases.documents.closing_summary``.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ...documents.closing_summary import closing_summary_context
from ...documents.pdf import pdf_response
from ...models import Case
from ...queries.cases import returned_to_court_cases_for
from ...services import audit
from ..base import AuthenticatedHttpRequest, document_case_or_404


def _case(request: AuthenticatedHttpRequest, pk: int) -> Case:
    """The case, if it is a court-entrusted one that ended without agreement; 404 otherwise."""
    return document_case_or_404(request.user, pk, returned_to_court_cases_for(request.user))


@login_required
@require_GET
def closing_summary(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The closing summary for the court as a page to print."""
    case = _case(request, pk)
    return render(request, "web/closing_summary.html", closing_summary_context(case, for_pdf=False))


@login_required
@require_GET
def closing_summary_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The same summary as a PDF (a ``download`` audit record when one is sent)."""
    case = _case(request, pk)
    response = pdf_response(
        request,
        "web/closing_summary.html",
        closing_summary_context(case, for_pdf=True),
        filename=f"{case.number}-closing-summary.pdf",
        fallback_url=reverse("web:closing_summary", args=[case.pk]),
    )
    if response.get("Content-Type") == "application/pdf":
        audit.downloaded(
            actor=request.user, document="closing_summary", file_format="pdf", case=case
        )
    return response
