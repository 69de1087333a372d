"""The mediation agreement (调解协议书) as a printable page and as PDF; recording its fulfilment,
the follow-up visit (回访) and its judicial confirmation (司法确认).

The document is made by ``cases.documents.agreement`` (in full, a logged reveal, for a user with the
reveal permission; the masked copy not for signature for anyone else who sees the case). Writes go through
``cases.services.agreements`` (``record_fulfilment``, ``record_judicial_confirmation``) and
``cases.services.follow_ups``.
"""

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ...access import can
from ...deadlines import confirmation_deadline
from ...documents.agreement import agreement_document, field_labels, format_yuan
from ...documents.pdf import PdfUnavailable, pdf_file, pdf_unavailable, render_pdf
from ...errors import DomainError, TransitionNotAllowed
from ...models import Agreement, Case, Fulfilment
from ...queries.cases import agreement_cases_for, agreements_for, follow_ups_for
from ...services import audit
from ...services.agreements import (
    RULINGS,
    record_fulfilment,
    record_judicial_confirmation,
)
from ...services.follow_ups import record_follow_up
from ..base import (
    AuthenticatedHttpRequest,
    add_domain_error,
    case_or_404,
    document_case_or_404,
    htmx_redirect,
    render_form,
)
from ..forms.agreements import FollowUpForm, FulfilmentForm, JudicialConfirmationForm

# --- The document ------------------------------------------------------------------------------


def _agreement_case(request: AuthenticatedHttpRequest, pk: int) -> Case:
    """The case and its agreement; 404 outside the user's scope or when there is no agreement."""
    return document_case_or_404(request.user, pk, agreement_cases_for(request.user))


# With the reveal permission the document states the parties' identities in clear, and each page
# or PDF made is one logged reveal; the answer must not be kept by the browser or a proxy.


@never_cache
@login_required
@require_GET
def agreement_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The mediation agreement as an A4 page to print (or read on a phone): in full for a user who
    may reveal personal data, else the masked copy not for signature."""
    case = _agreement_case(request, pk)
    context = agreement_document(request.user, case, for_pdf=False)
    return render(request, "web/agreement.html", context)


@never_cache
@login_required
@require_GET
def agreement_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The same document as a PDF, with the Noto CJK fonts embedded."""
    case = _agreement_case(request, pk)
    try:
        # A PDF that cannot be made reveals nothing: its reveal event is rolled back.
        with transaction.atomic():
            context = agreement_document(request.user, case, for_pdf=True)
            content = render_pdf("web/agreement.html", context, request)
            audit.downloaded(actor=request.user, document="agreement", file_format="pdf", case=case)
    except PdfUnavailable:
        return pdf_unavailable(request, reverse("web:agreement_print", args=[case.pk]))
    return pdf_file(content, f"{case.number}.pdf")


# --- Fulfilment --------------------------------------------------------------------------------


def _amount_of(agreement: Agreement | None) -> dict[str, str]:
    amount = agreement.amount_agreed if agreement is not None else None
    return {"agreement_amount": format_yuan(amount) if amount is not None else ""}


def _known_fulfilment(agreement: Agreement | None) -> dict[str, str]:
    """The fulfilment already known, to start the form from ("pending" means nobody knows yet)."""
    if agreement is None or agreement.fulfilment == Fulfilment.PENDING:
        return {}
    return {"fulfilment": agreement.fulfilment}


def _for_recording(user: User, rows: QuerySet[Any], pk: int, action: str) -> tuple[Any, Case]:
    """The agreement or follow-up ``pk`` among the user's ``rows`` (404 when out of scope) and its
    case, when the user may perform ``action`` on that case (403 otherwise)."""
    row = get_object_or_404(rows, pk=pk)
    case = case_or_404(user, row.case_id)
    if not can(user, action, case):
        raise PermissionDenied
    row.case = case
    return row, case


def _case_page(case: Case) -> str:
    return reverse("web:case_detail", args=[case.pk])


def _page_or_form(request: AuthenticatedHttpRequest, page: str) -> str:
    """The whole page, or for HTMX (a form loaded into the case page) the form alone."""
    htmx = getattr(request, "htmx", None)
    return page.replace(".html", "_form.html") if htmx and not htmx.boosted else page


@login_required
@require_http_methods(["GET", "POST"])
def fulfilment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record whether the parties fulfilled the agreement (fulfilled, partly, not fulfilled)."""
    user = request.user
    agreement, case = _for_recording(user, agreements_for(user), pk, "record_fulfilment")
    form = FulfilmentForm(
        request.POST if request.method == "POST" else None,
        initial=_known_fulfilment(agreement),
        tz=ZoneInfo(case.centre.timezone),
        earliest=agreement.signed_on,
    )
    if form.is_bound and form.is_valid():
        try:
            record_fulfilment(
                agreement=agreement,
                actor=user,
                fulfilment=form.cleaned_data["fulfilment"],
                at=form.moment(not_before=agreement.created_at),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The fulfilment of the agreement has been recorded."))
            return htmx_redirect(request, _case_page(case))
    context = {"case": case, "agreement": agreement, "form": form, **_amount_of(agreement)}
    return render_form(request, _page_or_form(request, "web/fulfilment.html"), context)


# --- Follow-up ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record the scheduled follow-up visit; once recorded it is shown read-only."""
    user = request.user
    follow_up, case = _for_recording(user, follow_ups_for(user), pk, "record_follow_up")
    agreement = agreements_for(user).filter(case=case).first()
    context: dict[str, Any] = {
        "case": case,
        "follow_up": follow_up,
        "agreement": agreement,
        **_amount_of(agreement),
    }
    if follow_up.done_at is not None:
        # Recorded once, by one person: a second recording would overwrite what they found.
        context["already_recorded"] = True
        status = 409 if request.method == "POST" else 200
        return render(request, _page_or_form(request, "web/follow_up.html"), context, status=status)

    tz = ZoneInfo(case.centre.timezone)
    form = FollowUpForm(
        request.POST if request.method == "POST" else None,
        initial=_known_fulfilment(agreement),
        tz=tz,
        earliest=timezone.localdate(case.closed_at, timezone=tz) if case.closed_at else None,
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            record_follow_up(
                follow_up=follow_up,
                actor=user,
                contact_method=data["contact_method"],
                fulfilment=data["fulfilment"],
                satisfaction=data["satisfaction"],
                note=data["note"],
                at=form.moment(not_before=case.closed_at),
            )
        except TransitionNotAllowed as error:
            # Someone recorded it between this page loading and this post.
            follow_up.refresh_from_db()
            context.update(already_recorded=True, conflict=error.message)
            return render(
                request, _page_or_form(request, "web/follow_up.html"), context, status=409
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The follow-up has been recorded."))
            return htmx_redirect(request, _case_page(case))
    context["form"] = form
    return render_form(request, _page_or_form(request, "web/follow_up.html"), context)


# --- Judicial confirmation -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def judicial_confirmation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record the parties' application to the court for judicial confirmation (司法确认) of the
    agreement, then the court's ruling (confirmed or rejected). Once the court has ruled the page
    shows the ruling, read-only: a ruling is final."""
    user = request.user
    agreement, case = _for_recording(user, agreements_for(user), pk, "record_judicial_confirmation")
    template = _page_or_form(request, "web/judicial_confirmation.html")
    context: dict[str, Any] = {
        "case": case,
        "agreement": agreement,
        "confirmation_by": confirmation_deadline(agreement),
        "agreement_labels": field_labels(
            Agreement,
            "judicial_confirmation",
            "effective_on",
            "confirmation_applied_on",
            "ruling_number",
            "ruling_on",
        ),
        **_amount_of(agreement),
    }
    if agreement.judicial_confirmation in RULINGS:
        context["ruled"] = True
        status = 409 if request.method == "POST" else 200
        return render(request, template, context, status=status)
    form = JudicialConfirmationForm(
        request.POST if request.method == "POST" else None,
        agreement=agreement,
        tz=ZoneInfo(case.centre.timezone),
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            record_judicial_confirmation(
                agreement=agreement,
                actor=user,
                status=data["status"],
                applied_on=data["applied_on"],
                ruling_number=data["ruling_number"],
                ruling_on=data["ruling_on"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The judicial confirmation has been recorded."))
            return htmx_redirect(request, _case_page(case))
    context["form"] = form
    return render_form(request, template, context)
