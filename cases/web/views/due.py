"""The due lists: agreements whose performance is to be supervised (People's Mediation Law art. 31),
agreements whose judicial confirmation window closes (art. 33), follow-up visits (回访) not yet made
and open cases past their deadline.

The lists cover the cases the user handles (``cases.queries.due``: not those seen by registration
alone), due within ``?within=<days>`` of today (Asia/Shanghai) — whatever is past due always shows,
flagged; a closed confirmation window does not (the parties can no longer apply). The same filters
narrow every list and stay in the address, so a link can be shared: ``centre`` (that centre and the
centres below it, among those the user may see), ``mediator`` (lead or co-mediator), ``overdue``
(past due only) and ``ordering`` (``due``, ``number``, ``centre``; ``-`` for descending). Each list
has its own page (``agreements_page``, ``confirmations_page``, ``follow_ups_page``, ``cases_page``),
``PAGE_SIZE`` rows a page, and its counts (in all, and past due) in the page's tabs and headings.

Recording is done on the existing pages (``web:fulfilment``, ``web:judicial_confirmation``,
``web:follow_up_record``); a row links there only when the user may record. A follow-up row can show
a party's phone in clear for the call (``due_phone``): the case page's reveal, logged the same way.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ...access import can
from ...deadlines import Urgency, confirmation_days_left, confirmation_deadline
from ...errors import CaseNotFound, NotPermitted
from ...models import Centre, Mediator, Party
from ...queries import centres as centre_queries
from ...queries import due as due_queries
from ...queries import mediators as mediator_queries
from ...queries.cases import follow_ups_for
from ...services.cases import reveal_party
from ..base import AuthenticatedHttpRequest, render_form
from ..forms.case_list import lookup_field, resolve_typed
from ..templatetags.web import URGENCY_LABELS

DEFAULT_WITHIN = 30
MAX_WITHIN = 365
PAGE_SIZE = 25
MAX_PAGE = 100_000
SOON_DAYS = 7  # "due soon" on these lists: a week ahead, time enough to call the parties
INDENT = "\u00a0\u00a0\u00a0"  # no-break spaces: a <select> would collapse ordinary ones

ORDERING_CHOICES = [
    ("due", _("Due date, earliest first")),
    ("-due", _("Due date, latest first")),
    ("number", _("Case number, ascending")),
    ("-number", _("Case number, descending")),
    ("centre", _("Centre, then due date")),
    ("-centre", _("Centre, in reverse order")),
]

# The lists in the order of the page: key (its section and counts), its page parameter, heading.
LISTS = (
    ("agreements", "agreements_page", _("Agreements to supervise")),
    ("confirmations", "confirmations_page", _("Judicial confirmation windows closing")),
    ("follow_ups", "follow_ups_page", _("Follow-up visits")),
    ("overdue_cases", "cases_page", _("Overdue cases")),
)
PAGE_PARAMETERS = tuple(page for _key, page, _heading in LISTS)


class DueForm(forms.Form):
    within = forms.IntegerField(
        label=_("Due within (days)"),
        min_value=1,
        max_value=MAX_WITHIN,
        required=False,
        help_text=_("Overdue items are always shown."),
    )
    centre = forms.ModelChoiceField(
        label=_("Handling centre"),
        queryset=Centre.objects.none(),
        required=False,
        empty_label=_("All centres"),
        help_text=_("With the centres below it."),
    )
    mediator = forms.ModelChoiceField(
        label=_("Mediator (lead or co-mediator)"),
        queryset=Mediator.objects.none(),
        required=False,
        empty_label=_("All mediators"),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    ordering = forms.ChoiceField(label=_("Sort by"), choices=ORDERING_CHOICES, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        centre: Any = self.fields["centre"]
        # Only centres the user may see: anything else is an error at the field.
        centre.queryset = centre_queries.centres_for(user).order_by("path")
        centre.label_from_instance = lambda obj: f"{INDENT * (obj.depth - 1)}{obj.name}"
        mediator: Any = self.fields["mediator"]
        mediator.queryset = mediator_queries.mediator_choices(user)
        mediator.label_from_instance = lambda obj: f"{obj.name} · {obj.home_centre.name}"
        # A city's centres and mediators are thousands: typed, never a select (issue 21).
        self.chosen = {
            "centre": lookup_field(self, "centre", "web:lookup_centres", _("All centres")),
            "mediator": lookup_field(self, "mediator", "web:lookup_mediators", _("All mediators")),
        }
        for name in PAGE_PARAMETERS:
            self.fields[name] = forms.IntegerField(
                label=_("Page"), min_value=1, max_value=MAX_PAGE, required=False
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
    parties = list(case.parties.all())
    return {
        "item": item,
        "case": case,
        "due": due,
        "band": str(band),
        "label": URGENCY_LABELS[band],
        "parties": [party.name for party in parties],
        "party_objects": parties,
        "may_record": can(user, action, case),
    }


def _case_row(user: User, case: Any) -> dict[str, Any]:
    deadline = case.running_deadline
    return {
        "item": case,
        "case": case,
        "due": deadline,
        "band": str(Urgency.OVERDUE),
        "label": URGENCY_LABELS[Urgency.OVERDUE],
        "mediators": [m.name for m in case.co_mediators.all()],
    }


def _link(query: QueryDict, **changes: Any) -> str:
    query = query.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = str(value)
    base = reverse("web:due")
    return f"{base}?{query.urlencode()}" if query else base


@dataclass
class _Page:
    rows: list[Any]
    number: int
    previous_url: str
    next_url: str
    first: int  # the rank of the first row shown (1-based), 0 when empty
    last: int


def _page(rows: QuerySet[Any], number: int, total: int, query: QueryDict, param: str) -> _Page:
    start = (number - 1) * PAGE_SIZE
    read = list(rows[start : start + PAGE_SIZE])
    return _Page(
        rows=read,
        number=number,
        previous_url=_link(query, **{param: None if number == 2 else number - 1})
        if number > 1
        else "",
        next_url=_link(query, **{param: number + 1}) if start + PAGE_SIZE < total else "",
        first=start + 1 if read else 0,
        last=start + len(read),
    )


def _query(params: QueryDict) -> QueryDict:
    """The page's parameters less the empty ones: the base of every link it makes."""
    query = QueryDict(mutable=True)
    for name, values in params.lists():
        kept = [v for v in values if v]
        if kept:
            query.setlist(name, kept)
    return query


@login_required
@require_GET
def due_lists(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET the due lists, filtered, sorted and paged (see the module); filters the form refuses
    (a ``within`` out of 1–365, a centre or mediator the user may not pick) answer 400 with the
    message at the field."""
    user = request.user
    form = DueForm(
        resolve_typed(request.GET, user) or None,
        initial={"within": DEFAULT_WITHIN, "ordering": "due"},
        user=user,
    )
    today = timezone.localdate()
    context: dict[str, Any] = {"form": form, "today": today, "page_size": PAGE_SIZE}
    if form.is_bound and not form.is_valid():
        return render_form(request, "web/due.html", context)
    data = form.cleaned_data if form.is_bound else {}
    within = data.get("within") or DEFAULT_WITHIN
    until = today + timedelta(days=within)
    wanted = due_queries.DueFilter(
        centre=data.get("centre"),
        mediator=data.get("mediator"),
        overdue=bool(data.get("overdue")),
        ordering=data.get("ordering") or "due",
    )
    lists = due_queries.due_lists(user, wanted, today=today, until=until)
    query = _query(request.GET)
    sections = []
    for key, param, heading in LISTS:
        rows, late = getattr(lists, key)
        counted = due_queries.counts(rows, late)
        page = _page(rows, data.get(param) or 1, counted["total"], query, param)
        sections.append({"key": key, "heading": heading, "counts": counted, "page": page})
        context[f"{key}_counts"] = counted
        context[f"{key}_page"] = page
    context.update(
        within=within,
        until=until,
        sections=sections,
        narrowing=any(data.get(name) for name in ("centre", "mediator", "overdue")),
        agreements=[
            _row(user, a, a.performance_deadline, today, "record_fulfilment")
            for a in context["agreements_page"].rows
        ],
        confirmations=[
            {
                **_row(user, a, confirmation_deadline(a), today, "record_judicial_confirmation"),
                "days_left": confirmation_days_left(a, today=today),
            }
            for a in context["confirmations_page"].rows
        ],
        follow_ups=[
            {
                **_row(user, f, f.due_on, today, "record_follow_up"),
                "may_reveal": can(user, "reveal", f.case),
            }
            for f in context["follow_ups_page"].rows
        ],
        overdue_cases=[_case_row(user, c) for c in context["overdue_cases_page"].rows],
    )
    return render_form(request, "web/due.html", context)


@never_cache  # the clear phone must not be kept by the browser or a proxy
@login_required
@require_POST
def due_phone(request: AuthenticatedHttpRequest, pk: int, party_pk: int) -> HttpResponse:
    """POST: a party's phone in clear on a follow-up row, for the call. The case page's reveal
    (``cases.services.cases.reveal_party``): the same permission and the same ``reveal`` event.
    HTMX gets the cell's fragment; a plain post a small page with the number and the way back."""
    user = request.user
    follow_up = follow_ups_for(user).filter(pk=pk).first()
    if follow_up is None:
        raise Http404()
    party = Party.objects.filter(pk=party_pk, case_id=follow_up.case_id).first()
    if party is None:
        raise Http404()
    try:
        clear = reveal_party(party=party, actor=user)
    except CaseNotFound:
        raise Http404() from None
    except NotPermitted:
        raise PermissionDenied() from None
    context = {"party": party, "phone": clear.phone, "follow_up": follow_up}
    if getattr(request, "htmx", None):
        return render(request, "web/partials/due_phone.html", context)
    return render(request, "web/due_phone.html", context)
