"""The transfers inbox: pending transfers into the user's centres, to accept or return with a reason.

Each row's buttons are the transitions deciding its transfer that the transition table offers the
user (``workflow.transfer_decisions``: accept, and return with a reason), performed at the case
version the page showed: if someone changed the case meanwhile, the user is told (409) and nothing
changes.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ... import workflow
from ...errors import DomainError, VersionConflict
from ...models import Transfer, TransferStatus
from ...queries.transfers import incoming_for, outgoing_transfers, transfers_for
from ..base import AuthenticatedHttpRequest, add_domain_error, htmx_redirect
from ..forms.transfers import DECISIONS, TRANSITION_OF, TransferDecisionForm

LIST_LIMIT = 100


def _incoming(user: User) -> list[Transfer]:
    return list(
        incoming_for(user)
        .select_related("requested_by", "case__category", "case__centre", "case__transfer_target")
        .prefetch_related("case__co_mediators")
        .order_by("requested_at", "id")[:LIST_LIMIT]
    )


def _page(
    request: AuthenticatedHttpRequest,
    *,
    failed: TransferDecisionForm | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    """The inbox; ``failed`` is the posted form whose errors are shown at its transfer's row
    (the reason's at the reason field, the rest above the row's buttons)."""
    failed_pk = failed.cleaned_data.get("transfer") if failed is not None else None
    errors: list[str] = []
    if failed is not None:
        errors = [str(error) for error in failed.non_field_errors()]
        if any(name in failed.errors for name in ("transfer", "action", "version")):
            # Hidden fields: nothing the user can correct but reload.
            errors.append(_("This request was incomplete. Reload the page and try again."))
    rows = []
    for transfer in _incoming(request.user):
        mine = failed is not None and transfer.pk == failed_pk
        decisions = workflow.transfer_decisions(request.user, transfer.case)
        rows.append(
            {
                "transfer": transfer,
                "decisions": [DECISIONS[spec.name] for spec in decisions],
                "form": failed if mine else None,
                "errors": errors if mine else [],
                "conflict": conflict if mine else "",
            }
        )
    context: dict[str, Any] = {
        "rows": rows,
        "limit": LIST_LIMIT,
        "outgoing": list(
            outgoing_transfers(request.user).select_related("requested_by")[:LIST_LIMIT]
        ),
    }
    if failed is not None and not any(row["form"] is failed for row in rows):
        # The transfer is no longer listed (decided meanwhile) or was not named: say so on top.
        context.update(errors=[*errors, *failed.errors.get("reason", [])], conflict=conflict)
    return render(request, "web/transfers.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET: the inbox. POST ``transfer``, ``action`` (a decision's: accept/return), ``version``,
    ``reason``."""
    if request.method == "GET":
        return _page(request)

    user = request.user
    form = TransferDecisionForm(request.POST)
    if not form.is_valid():
        return _page(request, failed=form, status=400)
    data = form.cleaned_data
    transfer = incoming_for(user).filter(pk=data["transfer"]).first()
    if transfer is None:
        visible = transfers_for(user).filter(pk=data["transfer"]).first()
        if visible is None:
            raise Http404()
        if visible.status != TransferStatus.PENDING:
            # Decided by someone else since the page was shown.
            message = _("This transfer has already been decided: %(status)s.") % {
                "status": visible.get_status_display()
            }
            return _page(request, failed=form, conflict=message, status=409)
        raise PermissionDenied()  # in scope (e.g. the sending side), but not the receiver

    name = TRANSITION_OF[data["action"]]
    asks_reason = "reason" in workflow.TRANSITIONS[name].form.base_fields
    try:
        case = workflow.transition(
            case=transfer.case_id,
            name=name,
            actor=user,
            data={"reason": data["reason"]} if asks_reason else {},
            expected_version=data["version"],
        )
    except VersionConflict as error:
        return _page(request, failed=form, conflict=str(error.message), status=409)
    except DomainError as error:
        add_domain_error(form, error)
        return _page(request, failed=form, status=400)
    # Accepted: the case is at the receiving centre now; returned: still at the sending one.
    done = DECISIONS[name].done % {"number": case.number, "centre": case.centre.name}
    messages.success(request, done)
    return htmx_redirect(request, reverse("web:transfers"))
