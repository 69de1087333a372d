"""The case list (filters, search, sorting, pages) and its CSV download.

Both read one queryset: the user's visible cases (``cases.queries``), narrowed by the API's
``CaseFilter`` (``CaseListFilter``) and sorted by ``queries.order_case_list``. So the CSV holds
exactly the rows the list shows on all its pages, and nothing a user may not see.

Pages are "previous / next" without a total: counting a filter's matches among millions of cases
would cost more than showing them. A page reads one row more than it shows, to know whether there
is a next one.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django_htmx.http import reswap, retarget

from ... import deadlines, queries
from ...models import Case, Party
from ..base import render_form
from ..forms.case_list import DEFAULT_ORDERING, NARROWING, CaseListFilter
from ..templatetags.web import URGENCY_LABELS

PAGE_SIZE = 50
CSV_CHUNK = 1000  # rows read per query while streaming (their parties and co-mediators with them)


@dataclass(frozen=True)
class Column:
    label: Any
    sort_key: str = ""  # empty: not sortable
    first: str = ""  # "-" when the first click sorts descending (newest, highest first)


COLUMNS = [
    Column(_("Number"), "number"),
    Column(_("Summary and parties")),
    Column(_("Centre")),
    Column(_("Category")),
    Column(_("Channel")),
    Column(_("Risk"), "risk_level", "-"),
    Column(_("Status"), "status"),
    Column(_("Lead mediator")),
    Column(_("Registered"), "registered_at", "-"),
    Column(_("Deadline"), "deadline"),
]


def _filterset(request: HttpRequest) -> CaseListFilter:
    return CaseListFilter(request.GET, queries.case_list(request.user), request=request)


def _query(request: HttpRequest) -> QueryDict:
    """The list's parameters without the page and without empty values: the base of its links."""
    query = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        kept = [v for v in values if v]
        if kept and name != "page":
            query.setlist(name, kept)
    return query


def _link(base: str, query: QueryDict, **changes: Any) -> str:
    query = query.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = str(value)
    return f"{base}?{query.urlencode()}" if query else base


def _headers(query: QueryDict, ordering: str) -> list[dict[str, Any]]:
    """The table's column headers: each sortable one links to its sort (the current one reversed)
    and the current one says how it is sorted (``aria-sort``)."""
    base = reverse("web:case_list")
    current, descending = ordering.removeprefix("-"), ordering.startswith("-")
    headers = []
    for column in COLUMNS:
        header: dict[str, Any] = {"label": column.label, "url": "", "aria_sort": ""}
        if column.sort_key:
            if column.sort_key == current:
                header["aria_sort"] = "descending" if descending else "ascending"
                target = column.sort_key if descending else f"-{column.sort_key}"
            else:
                target = f"{column.first}{column.sort_key}"
            header["url"] = _link(
                base, query, ordering=None if target == DEFAULT_ORDERING else target
            )
        headers.append(header)
    return headers


def _list_context(request: HttpRequest, filterset: CaseListFilter) -> dict[str, Any]:
    query = _query(request)
    base = reverse("web:case_list")
    context: dict[str, Any] = {
        "form": filterset.form,
        "valid": filterset.is_valid(),
        "headers": _headers(query, filterset.ordering),
        "narrowing": sum(1 for name in NARROWING if name in query),
        "cases": [],
        "page": filterset.page,
        "previous_url": "",
        "next_url": "",
    }
    if not context["valid"]:
        return context
    page = filterset.page
    start = (page - 1) * PAGE_SIZE
    cases = list(filterset.qs[start : start + PAGE_SIZE + 1])
    context["cases"] = cases[:PAGE_SIZE]
    if page > 1:
        context["previous_url"] = _link(base, query, page=None if page == 2 else page - 1)
    if len(cases) > PAGE_SIZE:
        context["next_url"] = _link(base, query, page=page + 1)
    context["first_url"] = _link(base, query) if page > 1 else ""
    context["export_url"] = _link(reverse("web:case_export"), query)
    return context


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user may see, filtered, searched, sorted, 50 a page.

    Without JavaScript the filters are a plain GET form. With HTMX, a change of filter, sort or page
    replaces only the results (the form keeps its focus and open folds) and the address follows; a
    filter the form refuses brings back the whole form with the error at the field (400).
    """
    filterset = _filterset(request)
    context = _list_context(request, filterset)
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.history_restore_request:
        response = render_form(request, "web/case_list.html", context)
    elif context["valid"]:
        response = render(request, "web/partials/case_list_results.html", {**context, "oob": True})
    else:
        response = render(request, "web/partials/case_list_body.html", context, status=400)
        response = retarget(reswap(response, "outerHTML"), "#case-list")
    # The same address answers a whole page or a fragment: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- The CSV -------------------------------------------------------------------------------------


def _verbose(model: type[Any], field: str) -> Any:
    return model._meta.get_field(field).verbose_name


CSV_HEADER = [
    _verbose(Case, "number"),
    _verbose(Case, "status"),
    _verbose(Case, "summary"),
    _verbose(Case, "centre"),
    _verbose(Case, "registering_centre"),
    _verbose(Case, "category"),
    _verbose(Case, "channel"),
    _verbose(Case, "risk_level"),
    _verbose(Case, "lead_mediator"),
    _verbose(Case, "co_mediators"),
    Party._meta.verbose_name_plural,
    _verbose(Case, "amount_in_dispute"),
    _verbose(Case, "registered_at"),
    _("Deadline"),
    _("Deadline status"),
    _verbose(Case, "concluded_at"),
]

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection): such text
# is written with a leading apostrophe, which the spreadsheet shows as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file whose ``write`` hands the line back, so the CSV writer feeds a stream."""

    def write(self, value: str) -> str:
        return value


def spreadsheet_cell(value: Any) -> str:
    """``value`` as CSV text that no spreadsheet reads as a formula (see FORMULA_STARTS)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _local(moment: datetime | None, zone: tzinfo) -> str:
    return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _party(party: Party) -> str:
    # Names and the masked forms only: the clear values are never read for an export.
    details = [party.get_role_display()]
    if party.id_number_masked:
        details.append(f"{_verbose(Party, 'id_number_masked')} {party.id_number_masked}")
    if party.phone_masked:
        details.append(f"{_verbose(Party, 'phone_masked')} {party.phone_masked}")
    return f"{party.name} ({', '.join(str(d) for d in details)})"


def _csv_row(case: Case, zone: tzinfo) -> list[Any]:
    deadline = case.running_deadline
    return [
        case.number,
        case.get_status_display(),
        case.summary,
        case.centre.name,
        case.registering_centre.name,
        case.category,
        case.get_channel_display(),
        case.get_risk_level_display(),
        case.lead_mediator.name if case.lead_mediator else "",
        "; ".join(m.name for m in case.co_mediators.all()),
        "; ".join(_party(p) for p in case.parties.all()),
        case.amount_in_dispute,
        _local(case.registered_at, zone),
        _local(deadline, zone),
        URGENCY_LABELS[deadlines.urgency(deadline)],
        _local(case.concluded_at, zone),
    ]


def _csv_lines(cases: QuerySet[Case], language: str | None, zone: tzinfo) -> Iterator[str]:
    """The CSV, line by line, in ``language``: the lines are made while the response is sent,
    after the view (and its request's language) has returned."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        # The byte order mark tells Excel the file is UTF-8 (it would read Chinese as mojibake).
        yield "\ufeff" + writer.writerow([capfirst(str(label)) for label in CSV_HEADER])
        for case in cases.iterator(chunk_size=CSV_CHUNK):
            yield writer.writerow([spreadsheet_cell(value) for value in _csv_row(case, zone)])


@login_required
@require_GET
def case_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered, sorted list (every page of it) as CSV, streamed: labels in the user's
    language, parties by name with their ID numbers and phones masked. Filters the form refuses
    bring back the list page with the error at the field (400), not a file."""
    filterset = _filterset(request)
    if not filterset.is_valid():
        return render_form(request, "web/case_list.html", _list_context(request, filterset))
    lines = _csv_lines(filterset.qs, translation.get_language(), timezone.get_current_timezone())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"cases-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
