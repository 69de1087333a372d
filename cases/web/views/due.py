"""The due lists after the agreement: agreements whose performance is to be supervised (People's
Mediation Law art. 31), agreements whose judicial confirmation window closes (art. 33) and
follow-up visits (回访) not yet made.

The lists cover the cases the user may see (``cases.queries.agreements_due``,
``confirmations_due`` and ``follow_ups_due``), due within ``?within=<days>`` of today
(Asia/Shanghai) — whatever is past due always shows, flagged; a closed confirmation window does not
(the parties can no longer apply). Recording is done on the existing pages (``web:fulfilment``,
``web:judicial_confirmation``, ``web:follow_up_record``); a row links there only when the user may
record.
"""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ...access import can
from ...deadlines import Urgency, confirmation_days_left, confirmation_deadline
from ...queries import due as due_queries
from ..base import AuthenticatedHttpRequest, render_form
from ..templatetags.web import URGENCY_LABELS

DEFAULT_WITHIN = 30
MAX_WITHIN = 365
LIST_LIMIT = 200
SOON_DAYS = 7  # "due soon" on these lists: a week ahead, time enough to call the parties


class DueWithinForm(forms.Form):
    within = forms.IntegerField(
        label=_("Due within (days)"),
        min_value=1,
        max_value=MAX_WITHIN,
        required=False,
        help_text=_("Overdue items are always shown."),
    )


def _band(due: date, today: date) -> Urgency:
    """Past due is overdue (nothing on these lists is done), a week ahead is due soon."""
    if due < today:
        return Urgency.OVERDUE
    if due <= today + timedelta(days=SOON_DAYS):
        return Urgency.SOON
    return Urgency.OK


def _row(user: User, item: Any, due: date | None, today: date, action: str) -> dict[str, Any]:
    # The reads select dated items only; the type allows the (never listed) undated agreement.
    band = _band(due, today) if due is not None else Urgency.NONE
    case = item.case
    return {
        "item": item,
        "case": case,
        "due": due,
        "band": str(band),
        "label": URGENCY_LABELS[band],
        "parties": [party.name for party in case.parties.all()],
        "may_record": can(user, action, case),
    }


@login_required
@require_GET
def due_lists(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET ``?within=<days>`` (1–365, default 30): agreements to supervise, judicial confirmation
    windows closing and follow-up visits due by then; a bad ``within`` answers 400 with the
    message at the field."""
    user = request.user
    form = DueWithinForm(
        request.GET if "within" in request.GET else None, initial={"within": DEFAULT_WITHIN}
    )
    today = timezone.localdate()
    context: dict[str, Any] = {"form": form, "limit": LIST_LIMIT, "today": today}
    if form.is_bound and not form.is_valid():
        return render_form(request, "web/due.html", context)
    within = (form.cleaned_data.get("within") if form.is_bound else None) or DEFAULT_WITHIN
    until = today + timedelta(days=within)
    agreements = list(due_queries.agreements_due(user, until=until)[: LIST_LIMIT + 1])
    confirmations = list(
        due_queries.confirmations_due(user, today=today, until=until)[: LIST_LIMIT + 1]
    )
    follow_ups = list(due_queries.follow_ups_due(user, until=until)[: LIST_LIMIT + 1])
    context.update(
        within=within,
        until=until,
        agreements=[
            _row(user, a, a.performance_deadline, today, "record_fulfilment")
            for a in agreements[:LIST_LIMIT]
        ],
        agreements_capped=len(agreements) > LIST_LIMIT,
        confirmations=[
            {
                **_row(user, a, confirmation_deadline(a), today, "record_judicial_confirmation"),
                "days_left": confirmation_days_left(a, today=today),
            }
            for a in confirmations[:LIST_LIMIT]
        ],
        confirmations_capped=len(confirmations) > LIST_LIMIT,
        follow_ups=[
            _row(user, f, f.due_on, today, "record_follow_up") for f in follow_ups[:LIST_LIMIT]
        ],
        follow_ups_capped=len(follow_ups) > LIST_LIMIT,
    )
    return render_form(request, "web/due.html", context)
