"""The case list (filters, search, sorting, pages) and its CSV download.

Both read one queryset: the user's visible cases (``cases.queries.cases``), narrowed by
``CaseFilter`` (the API's too; here ``CaseListFilter``) and sorted by ``order_case_list``
(``cases.queries.case_list``). So the CSV holds exactly the rows the list shows on all its pages,
and nothing a user may not see.

A search is kept out of the address (issue 15): the form posts it, and a search's text goes behind an
opaque key (``?search=<key>``, ``cases.models.SavedSearch``) that the results' address, its pages,
sort links and CSV link carry instead of ``q``. A ``q`` that still arrives in an address holding a
phone or ID number (an old bookmark) is answered with a redirect to the key.

Pages are "previous / next"; a page reads one row more than it shows, to know whether there is a
next one. The list's total is exact up to ``settings.CASE_LIST_COUNT_LIMIT`` (the count reads at
most that many + 1 rows), "more than" that beyond it (issue 21). A list opened from a report's
figure (``from=report``) links back to the report.
"""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import push_url, reswap, retarget

from ... import personal_data
from ...access import report_centres
from ...documents import case_export as export_files
from ...models import Case, ExportFormat, ReportScope
from ...queries import search
from ...queries.case_list import is_identifier
from ...queries.cases import detailed_cases
from ...queries.searches import saved_search_text
from ...replica import replica_view, streamed_from_replica
from ...reports import periods
from ...services.exports import record_export, start_export
from ...services.searches import save_search
from ..base import AuthenticatedHttpRequest, render_form
from ..forms.bulk import BULK_LIMIT, bulk_action_choices
from ..forms.case_list import DEFAULT_ORDERING, NARROWING, SEARCH_KEY, CaseListFilter
from .saved_filters import save_filter_form, saved_filter_rows

PAGE_SIZE = 50


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


class _Search:
    """What the list was asked: the filters for the form (``data``, with a saved search's text as
    ``q``) and the parameters of its links (``query``: without the page and empty values, and with
    the key, never the text, of a saved search). ``missing``: a key that is unknown, expired or
    another user's."""

    def __init__(self, data: QueryDict, query: QueryDict, *, missing: bool = False) -> None:
        self.data, self.query, self.missing = data, query, missing


def _search(request: AuthenticatedHttpRequest, params: QueryDict) -> _Search:
    data = QueryDict(mutable=True)
    query = QueryDict(mutable=True)
    for name, values in params.lists():
        if name in ("csrfmiddlewaretoken", SEARCH_KEY):
            continue
        data.setlist(name, values)
        kept = [v for v in values if v]
        if kept and name != "page":
            query.setlist(name, kept)
    key = params.get(SEARCH_KEY)
    if key:
        query[SEARCH_KEY] = key
        # The key stands for q: one typed beside it is not the search asked for.
        query.pop("q", None)
        text = saved_search_text(request.user, key)
        if text is None:
            data.pop("q", None)
            return _Search(data, query, missing=True)
        data["q"] = text
    return _Search(data, query)


def _filterset(request: AuthenticatedHttpRequest, search: _Search) -> CaseListFilter:
    filterset = CaseListFilter(search.data, detailed_cases(request.user), request=request)
    if search.missing:
        filterset.is_valid()  # the form's own errors first
        filterset.form.add_error(
            "q",
            _("This search is no longer available (searches are kept for a day): search again."),
        )
    return filterset


def _keep_server_side(
    request: AuthenticatedHttpRequest, search: _Search, filterset: CaseListFilter
) -> bool:
    """Put a valid search's text behind a key in ``search.query``; whether it was done."""
    text = (search.query.get("q") or "").strip()
    if not text or SEARCH_KEY in search.query or not filterset.is_valid():
        return False
    search.query.pop("q")
    search.query[SEARCH_KEY] = save_search(user=request.user, text=text).key
    return True


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


def _list_context(filterset: CaseListFilter, query: QueryDict) -> dict[str, Any]:
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
    text = filterset.form.cleaned_data.get("q") or ""
    text = "" if is_identifier(text.strip()) else text
    for case in context["cases"]:  # the words searched for, marked in each summary
        case.summary_marked = search.highlight(case.summary, text)
    if page > 1:
        context["previous_url"] = _link(base, query, page=None if page == 2 else page - 1)
    if len(cases) > PAGE_SIZE:
        context["next_url"] = _link(base, query, page=page + 1)
    context["first_url"] = _link(base, query) if page > 1 else ""
    context.update(_total(filterset, cases, start))
    context["export_url"] = _link(reverse("web:case_export"), query)
    context["export_xlsx_url"] = _link(reverse("web:case_export_xlsx"), query)
    return context


def count_limit() -> int:
    return int(getattr(settings, "CASE_LIST_COUNT_LIMIT", 10_000))


def count_cases(cases: QuerySet[Case], limit: int) -> int:
    """How many of ``cases`` there are, counting at most ``limit`` + 1 of them (a count over a
    ``LIMIT`` subquery): more than ``limit`` means "more than ``limit``"."""
    return cases.order_by()[: limit + 1].count()


def _total(filterset: CaseListFilter, page_rows: list[Case], start: int) -> dict[str, Any]:
    """``total`` (the list's cases, at most the bound) and ``capped`` (there are more)."""
    limit = count_limit()
    if len(page_rows) <= PAGE_SIZE and (page_rows or start == 0):
        total = start + len(page_rows)  # the last page: no count needed
    else:
        total = count_cases(filterset.qs, limit)
    capped = total > limit
    return {
        "total": min(total, limit),
        "capped": capped,
        "count_limit": f"{limit:,}",
    }


def report_origin(request: AuthenticatedHttpRequest, query: QueryDict) -> dict[str, Any] | None:
    """The report a drill-down came from (``from=report&report_centre=…&report_month=YYYY-MM
    &report_scope=…``, set by ``cases.web.views.reports.CaseLinks``): its address and what to call
    it, and the parameters to keep in the form; ``None`` when absent, malformed or a report the
    user may not read (a centre outside it is never named)."""
    if query.get("from") != "report":
        return None
    raw_centre, raw_scope = query.get("report_centre", ""), query.get("report_scope", "")
    try:
        month = periods.parse_month(query.get("report_month", ""))
    except ValueError:
        return None
    if not raw_centre.isdigit() or len(raw_centre) > 18 or raw_scope not in ReportScope.values:
        return None
    centre = report_centres(request.user).filter(pk=int(raw_centre)).first()
    if centre is None:
        return None
    month_text = periods.format_month(month)
    params = [
        ("from", "report"),
        ("report_centre", str(centre.pk)),
        ("report_month", month_text),
        ("report_scope", raw_scope),
    ]
    address = QueryDict(mutable=True)
    address.update({"centre": str(centre.pk), "month": month_text, "scope": raw_scope})
    return {
        "url": f"{reverse('web:reports')}?{address.urlencode()}",
        "label": _("Back to the report of %(month)s for %(centre)s")
        % {"month": month_text, "centre": centre.name},
        "params": params,
    }


def _working_context(request: AuthenticatedHttpRequest, query: QueryDict) -> dict[str, Any]:
    """What the list offers to work through it (issue 20): saving its filter, and the actions on
    the rows ticked."""
    return {
        "save_filter_form": save_filter_form(request, query),
        "bulk_actions": bulk_action_choices(),
        "bulk_limit": BULK_LIMIT,
    }


def _numbers_out_of_login(view: Callable[..., Any]) -> Callable[..., Any]:
    """``login_required`` would send the whole address, a number in ``q`` with it, to the login
    page's ``next``: an anonymous request is sent there with its address less ``q``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated and personal_data.contains_number(
            request.GET.get("q", "")
        ):
            query = request.GET.copy()
            query.pop("q")
            return redirect_to_login(_link(request.path, query))
        return view(request, *args, **kwargs)

    return wrapped


def _has_number(search: _Search) -> bool:
    return personal_data.contains_number(search.query.get("q", ""))


@_numbers_out_of_login
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@replica_view
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The cases the user may see, filtered, searched, sorted, 50 a page.

    The filter form posts (a search never goes into the address): a plain form post is redirected
    to the results' address (303), where a search's text is an opaque key. With HTMX, a change of
    filter, sort or page replaces only the results (the form keeps its focus and open folds) and
    the address follows (``HX-Push-Url``); a filter the form refuses brings back the whole form
    with the error at the field (400). An unknown or foreign key is a 404 asking to search again.
    """
    posted = request.method == "POST"
    search = _search(request, request.POST if posted else request.GET)
    filterset = _filterset(request, search)
    htmx = getattr(request, "htmx", None)
    # Posted searches always go behind a key (a number half typed is no better in a history);
    # an address that came with a number gets the key too.
    moved = (posted or _has_number(search)) and _keep_server_side(request, search, filterset)
    results_url = _link(reverse("web:case_list"), search.query)
    if (posted or moved) and not htmx and filterset.is_valid():
        return HttpResponseRedirect(results_url, status=303)
    context = _list_context(filterset, search.query)
    context.update(_working_context(request, search.query))
    context["report_origin"] = report_origin(request, search.query)
    if not htmx or htmx.history_restore_request:
        context["saved_filters"] = saved_filter_rows(request)
        response = render_form(request, "web/case_list.html", context)
    elif context["valid"]:
        response = render(request, "web/partials/case_list_results.html", {**context, "oob": True})
        if posted or moved:
            response = push_url(response, results_url)
    else:
        response = render(request, "web/partials/case_list_body.html", context, status=400)
        response = retarget(reswap(response, "outerHTML"), "#case-list")
    if search.missing:
        response.status_code = 404
    # The same address answers a whole page or a fragment: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- The CSV and the XLSX ------------------------------------------------------------------------


def _export_response(
    request: AuthenticatedHttpRequest, search: _Search, filterset: CaseListFilter, format: str
) -> HttpResponseBase:
    """The file, or for more than ``EXPORT_BACKGROUND_ROWS`` rows a background export (the user
    is sent to its page). Either way one audit record. The bounded read of the ids is the count:
    a list of three million cases is not counted to find that it is over the bound."""
    limit = settings.EXPORT_BACKGROUND_ROWS
    ids = export_files.first_ids(filterset.qs, limit + 1)
    params = {name: values for name, values in search.query.lists() if name != SEARCH_KEY}
    params.pop("q", None)
    text = search.data.get("q", "") or ""
    language = translation.get_language() or settings.LANGUAGE_CODE
    zone = timezone.get_current_timezone()
    if len(ids) > limit:
        export = start_export(
            user=request.user,
            format=format,
            params=params,
            text=text,
            language=language,
            time_zone=str(zone),
        )
        return HttpResponseRedirect(reverse("web:export_detail", args=[export.pk]), status=303)
    record_export(user=request.user, params=params, text=text, format=format, rows=len(ids))
    cases = export_files.cases_in_chunks(filterset.qs, ids)
    stamp = f"{timezone.localdate():%Y%m%d}"
    if format == ExportFormat.XLSX:
        out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
        export_files.write_xlsx(cases, out, language, zone)
        out.seek(0)
        return FileResponse(
            out,
            as_attachment=True,
            filename=f"cases-{stamp}.xlsx",
            content_type=XLSX_TYPE,
        )
    lines = export_files.csv_lines(cases, language, zone)
    # The lines are read while the response is sent, after this view (and its context) returned.
    lines = streamed_from_replica(request.user, lines)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@_numbers_out_of_login
@login_required
@require_GET
@replica_view
def case_export(request: AuthenticatedHttpRequest, format: str = "csv") -> HttpResponseBase:
    """The filtered, sorted list (every page of it) as CSV (streamed) or XLSX: labels in the
    user's language, parties by name with their ID numbers and phones masked; more than
    ``EXPORT_BACKGROUND_ROWS`` rows are made in the background (``cases.models.Export``). Filters
    the form refuses bring back the list page with the error at the field (400), not a file; a
    ``q`` holding a phone or ID number is redirected to its opaque key."""
    search = _search(request, request.GET)
    filterset = _filterset(request, search)
    url_name = "web:case_export_xlsx" if format == ExportFormat.XLSX else "web:case_export"
    if _has_number(search) and _keep_server_side(request, search, filterset):
        return HttpResponseRedirect(_link(reverse(url_name), search.query))
    if not filterset.is_valid():
        page = render_form(request, "web/case_list.html", _list_context(filterset, search.query))
        if search.missing:
            page.status_code = 404
        return page
    return _export_response(request, search, filterset, format)
