"""Case notes on the case page: the form to write one (or a correction), through
``cases.services.notes``. The list itself is part of the case page (``case_detail``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ...access import can
from ...errors import CaseNotFound, DomainError
from ...queries.notes import case_notes
from ...services.notes import write_note
from ..base import (
    AuthenticatedHttpRequest,
    add_domain_error,
    case_or_404,
    htmx_redirect,
    render_form,
)
from ..forms.notes import NoteForm


@login_required
@require_http_methods(["GET", "POST"])
def note_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """``GET``: the note form (``?corrects=<id>`` chooses the note to correct); ``POST``: write it.

    404 for a case out of scope, 403 for one the user reads but may not write notes on, 400 with
    the errors at the fields for bad input.
    """
    user = request.user
    case = case_or_404(user, pk)
    if not can(user, "write_note", case):
        raise PermissionDenied()
    notes = case_notes(user, case)
    if request.method == "POST":
        form = NoteForm(request.POST, notes=notes)
    else:
        form = NoteForm(notes=notes, initial={"corrects": request.GET.get("corrects") or None})
    template = (
        "web/partials/note_form.html" if getattr(request, "htmx", False) else "web/note_form.html"
    )
    context = {"case": case, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            write_note(
                case=case,
                actor=user,
                kind=data["kind"],
                text=data["text"],
                happened_on=data["happened_on"],
                corrects=data.get("corrects"),
            )
        except CaseNotFound:
            raise Http404() from None
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Note saved."))
            return htmx_redirect(request, reverse("web:case_detail", args=[case.pk]) + "#notes")
    return render_form(request, template, context)
