"""Files on the case page: add one (a phone's camera straight from the page), download it, see
its thumbnail, withdraw it. Every route is scoped to the case (404 outside it); the files have no
address of their own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ...access import can
from ...errors import CaseNotFound, DomainError, FileRemoved
from ...models import Attachment, Case
from ...queries.attachments import case_attachment
from ...queries.sessions import case_sessions
from ...services.attachments import (
    content_disposition,
    download_attachment,
    open_thumbnail,
    upload_attachment,
    withdraw_attachment,
)
from ..base import (
    AuthenticatedHttpRequest,
    add_domain_error,
    case_or_404,
    document_case_or_404,
    htmx_redirect,
    render_form,
)
from ..forms.attachments import AttachmentForm, WithdrawAttachmentForm


def attachment_form(
    request: AuthenticatedHttpRequest, case: Case, **kwargs: object
) -> AttachmentForm:
    return AttachmentForm(
        **kwargs,  # type: ignore[arg-type]
        sessions=case_sessions(request.user, case),
        has_agreement=hasattr(case, "agreement"),
    )


def _attachment_or_404(request: AuthenticatedHttpRequest, case: Case, aid: int) -> Attachment:
    attachment = case_attachment(request.user, case, aid)
    if attachment is None:
        raise Http404()
    return attachment


def _back(case: Case) -> str:
    return reverse("web:case_detail", args=[case.pk]) + "#attachments"


@login_required
@require_http_methods(["GET", "POST"])
def attachment_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """``GET``: the form; ``POST`` (multipart): add the file. 404 out of scope, 403 for a reader
    who may not add files, 400 with the errors at the fields (type, size) for bad input."""
    user = request.user
    case = case_or_404(user, pk)
    if not can(user, "attach", case):
        raise PermissionDenied()
    if request.method == "POST":
        form = attachment_form(request, case, data=request.POST, files=request.FILES)
    else:
        form = attachment_form(request, case)
    context = {"case": case, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            upload_attachment(
                case=case,
                actor=user,
                file=data["file"],
                kind=data["kind"],
                description=data["description"],
                session=data.get("session"),
                agreement=getattr(case, "agreement", None) if data.get("for_agreement") else None,
            )
        except CaseNotFound:
            raise Http404() from None
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("File added."))
            return htmx_redirect(request, _back(case))
    return render_form(request, "web/attachment_form.html", context)


def _file_headers(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def attachment_download(request: AuthenticatedHttpRequest, pk: int, aid: int) -> HttpResponseBase:
    """The file, to whoever may read the case's files; each download is on the timeline."""
    case = document_case_or_404(request.user, pk)
    attachment = _attachment_or_404(request, case, aid)
    try:
        download = download_attachment(attachment=attachment, actor=request.user)
    except FileRemoved as removed:
        return render(request, "web/attachment_removed.html", {"message": removed}, status=410)
    response = FileResponse(download.content, content_type=download.content_type)
    response["Content-Length"] = str(download.size)
    response["Content-Disposition"] = content_disposition(download.filename)
    return _file_headers(response)


@login_required
@require_GET
def attachment_thumbnail(request: AuthenticatedHttpRequest, pk: int, aid: int) -> HttpResponseBase:
    case = document_case_or_404(request.user, pk)
    attachment = _attachment_or_404(request, case, aid)
    content = open_thumbnail(attachment=attachment, actor=request.user)
    if content is None:
        raise Http404()
    return _file_headers(FileResponse(content, content_type="image/jpeg"))


@login_required
@require_http_methods(["GET", "POST"])
def attachment_withdraw(request: AuthenticatedHttpRequest, pk: int, aid: int) -> HttpResponse:
    user = request.user
    case = case_or_404(user, pk)
    attachment = _attachment_or_404(request, case, aid)
    if not can(user, "attach", case):
        raise PermissionDenied()
    form = WithdrawAttachmentForm(request.POST if request.method == "POST" else None)
    context = {"case": case, "attachment": attachment, "form": form}
    if attachment.withdrawn:
        return render(request, "web/attachment_withdraw.html", context)
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_attachment(
                attachment=attachment, actor=user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("File withdrawn."))
            return htmx_redirect(request, _back(case))
    return render_form(request, "web/attachment_withdraw.html", context)
