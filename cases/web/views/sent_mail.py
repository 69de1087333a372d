"""Sent mail: the e-mails the file backend kept (``make run``), for administrators only.

Anyone else gets the 404 of a page that does not exist. With any other e-mail backend (SMTP in
production) the page says that e-mail is not kept here. The files are read by
``queries.sent_mail``; an attachment is always a download, never shown inside the site.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from ...access import scope_of
from ...queries import sent_mail as mail
from ..base import AuthenticatedHttpRequest

PAGE_SIZE = 50


def _administrators_only(request: AuthenticatedHttpRequest) -> None:
    if not scope_of(request.user).is_admin:
        raise Http404()


@login_required
@require_GET
def sent_mail_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Kept e-mails, newest first, 50 a page: date, recipients, subject."""
    _administrators_only(request)
    kept = mail.keeps_sent_mail()
    page = Paginator(mail.sent_mail() if kept else [], PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/sent_mail.html",
        {
            "kept": kept,
            "page": page,
            "directory": settings.EMAIL_FILE_PATH,
            "smtp": settings.EMAIL_BACKEND == mail.SMTP_BACKEND,
            "backend": settings.EMAIL_BACKEND,
        },
    )


@login_required
@require_GET
def sent_mail_message(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """One kept e-mail: its headers decoded, its text, its attachments to download."""
    _administrators_only(request)
    message = mail.sent_message(key)
    if message is None:
        raise Http404()
    return render(request, "web/sent_mail_message.html", {"message": message})


@login_required
@require_GET
def sent_mail_attachment(request: AuthenticatedHttpRequest, key: str, number: int) -> HttpResponse:
    _administrators_only(request)
    found = mail.attachment(key, number)
    if found is None:
        raise Http404()
    filename, content = found
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
