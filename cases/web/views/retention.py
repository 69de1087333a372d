"""The legal hold on a case (docs/personal-data.md, "Retention and anonymisation"): the
directors over its centre and administrators set and release it, with a reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ...access import can
from ...errors import DomainError
from ...services.retention import set_legal_hold
from ..base import (
    AuthenticatedHttpRequest,
    add_domain_error,
    case_or_404,
    htmx_redirect,
    render_form,
)
from ..forms.retention import LegalHoldForm


@login_required
@require_http_methods(["GET", "POST"])
def case_legal_hold(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set the hold when the case has none, release it when it has one."""
    user = request.user
    case = case_or_404(user, pk)
    if not can(user, "legal_hold", case):
        raise PermissionDenied()
    form = LegalHoldForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        hold = not case.legal_hold
        try:
            set_legal_hold(case=case, actor=user, hold=hold, reason=form.cleaned_data["reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Legal hold set.") if hold else _("Legal hold released."))
            return htmx_redirect(request, reverse("web:case_detail", args=[case.pk]))
    return render_form(request, "web/legal_hold.html", {"case": case, "form": form})
