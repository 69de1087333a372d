"""The measurements of ``make bench`` that run inside Django, one database per process.

    DATABASE_URL=... python scripts/bench_probe.py COMMAND [ARGS]

prints one JSON object on its last line of output. Called by ``scripts/bench.py``, which starts the
servers, builds the databases and puts the figures together; see docs/benchmarks.md.
"""

import io
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from cases import personal_data  # noqa: E402
from cases.models import (  # noqa: E402
    Agreement,
    Case,
    CaseNumberCounter,
    Category,
    Centre,
    CentreLevel,
    Event,
    Membership,
    Party,
    Role,
    Rollup,
)
from cases.queries.cases import cases_for, detailed_cases  # noqa: E402
from cases.reports import monthly  # noqa: E402
from cases.reports.periods import (  # noqa: E402
    add_months,
    current_month,
    month_end,
    month_of,
    month_start,
)
from cases.reports.rollups.roll import roll_stocks  # noqa: E402
from cases.services.users import issue_api_token  # noqa: E402
from cases.web.forms.case_list import CaseListFilter  # noqa: E402
from cases.web.views.case_list import count_cases, count_limit  # noqa: E402

User = get_user_model()
CITY_DIRECTOR = "director"  # the demo login directing the whole city
LIST_FILTER = "status=closed&page_size=20"
DEEP_PAGE = 1000


def timed(call: Callable[[], Any], runs: int) -> dict[str, Any]:
    """Median and 95th percentile (milliseconds) of ``runs`` calls after two warm-up calls."""
    for _ in range(2):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, round(0.95 * len(samples)) - 1)], 2),
        "runs": runs,
    }


def queries_of(call: Callable[[], Any]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        call()
    return [q["sql"] for q in captured.captured_queries]


def city() -> Centre:
    return Centre.objects.get(level=CentreLevel.CITY, parent=None)


def report_month() -> date:
    """The last complete month."""
    return add_months(current_month(), -1)


# --- P1: the city's monthly report -------------------------------------------------------------


def cmd_report(which: str = "last") -> dict[str, Any]:
    """The city's report for the last complete month, or (``early``) for the month a year after
    the first case: the same activity with a tenth of the history behind it (P1c)."""
    centre, month, now = city(), report_month(), timezone.now()
    if which == "early":
        first = Case.objects.order_by("registered_at").values_list("registered_at", flat=True)[0]
        month = add_months(month_of(first), 12)

    def call() -> Any:
        return monthly.report(centre, month, "subtree", now=now)

    result = timed(call, 30)
    result["queries"] = len(queries_of(call))
    result["cases"] = Case.objects.count()
    result["rollup_rows"] = Rollup.objects.count()
    result["month"] = f"{month:%Y-%m}"
    data = call()
    result["mediators"] = len(data["breakdowns"]["mediator"])
    result["received"] = data["figures"]["received"]
    result["cases_before"] = Case.objects.filter(registered_at__lt=month_end(month)).count()
    return result


# --- P1b: the report against a plain per-case aggregation, at a million cases ------------------


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def cmd_plain(cases: str = "1000000") -> dict[str, Any]:
    """The city's report for the month its ``cases``-th case was registered in, computed twice:
    from the counters (``monthly.report``) and by replaying every case registered by then, one
    by one, with the plain computation of the tests (``tests/reports/plain.py``)."""
    from tests.reports import plain

    nth = int(cases)
    at = Case.objects.order_by("registered_at", "pk").values_list("registered_at", flat=True)[
        nth - 1
    ]
    month, now, centre = month_of(at), timezone.now(), city()
    months = [month, add_months(month, -1), add_months(month, -12)]
    end = month_end(month)

    def counters() -> Any:
        return monthly.report(centre, month, "subtree", now=now)

    report_timing = timed(counters, 20)
    got = counters()

    started = time.perf_counter()
    centres = {c.pk: c for c in Centre.objects.all()}
    tops = {c.pk: c.parent_id or c.pk for c in Category.objects.all()}
    world = plain.World(centres=centres, top_category=tops, histories=[])
    facts: dict[date, list[Any]] = defaultdict(list)
    ids = list(
        Case.objects.filter(registered_at__lt=end).order_by("pk").values_list("pk", flat=True)
    )
    for chunk in _chunks(ids, 5000):
        events: dict[int, list[Event]] = defaultdict(list)
        for event in Event.objects.filter(case_id__in=chunk).order_by("at", "id"):
            events[event.case_id].append(event)
        agreements = {a.case_id: a for a in Agreement.objects.filter(case_id__in=chunk)}
        histories = [
            plain.replay(case, events[case.pk], agreements.get(case.pk))
            for case in Case.objects.filter(pk__in=chunk).order_by("pk")
        ]
        part = plain.World(centres=centres, top_category=tops, histories=histories)
        for m in months:
            facts[m].extend(part._month_facts(m, now))
        reset_queries()
    for m in months:
        world._facts[(m, now)] = facts[m]
    expected = plain.report(world, centre, month, "subtree", now)
    plain_seconds = time.perf_counter() - started
    problems = plain.differences(expected, got)
    return {
        "month": f"{month:%Y-%m}",
        "cases_replayed": len(ids),
        "report": report_timing,
        "plain_s": round(plain_seconds, 1),
        "ratio": round(plain_seconds * 1000 / report_timing["median_ms"]),
        "identical": not problems,
        "problems": problems[:10],
    }


# --- P2: the case list, first page and a thousand pages deep ------------------------------------


def _client(username: str) -> APIClient:
    token = issue_api_token(user=User.objects.get(username=username))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def cmd_list() -> dict[str, Any]:
    client = _client(CITY_DIRECTOR)
    first = f"/api/v1/cases/?{LIST_FILTER}"
    url, pages = first, 1
    while pages < DEEP_PAGE:
        body = client.get(url).json()
        if not body.get("next"):
            break
        url, pages = body["next"], pages + 1

    def get(target: str) -> Callable[[], Any]:
        def call() -> Any:
            response = client.get(target)
            assert response.status_code == 200, response.content[:300]
            return response

        return call

    deep = url
    result = {
        "filter": LIST_FILTER,
        "pages_walked": pages,
        "first": {**timed(get(first), 40), "queries": len(queries_of(get(first)))},
        "deep": {**timed(get(deep), 40), "queries": len(queries_of(get(deep)))},
        "first_sql": queries_of(get(first)),
        "deep_sql": queries_of(get(deep)),
        "deep_url": deep,
    }
    return result


# --- P3: case detail with 5 and with 200 events and parties -------------------------------------


def _case_with(size: int, director: Any) -> Case:
    from cases.services.cases import edit_case
    from cases.services.intake import PartyData, register_case

    centre = Membership.objects.filter(user=director, role=Role.DIRECTOR).get().centre
    category = Category.objects.filter(parent__isnull=False).order_by("pk")[0]
    parties = [
        PartyData(name=f"当事人{i}", role="applicant" if i == 0 else "respondent")
        for i in range(size)
    ]
    case = register_case(
        actor=director,
        centre=centre,
        channel="walk_in",
        category=category,
        summary=f"基准测试案件（{size}）",
        parties=parties,
    )
    for i in range(size - 1):
        case = edit_case(case=case, actor=director, changes={"summary": f"基准测试案件 {i}"})
    assert case.events.count() == size and case.parties.count() == size
    return case


def cmd_detail() -> dict[str, Any]:
    director = User.objects.get(username=CITY_DIRECTOR)
    client = _client(CITY_DIRECTOR)
    web = APIClient()
    web.force_login(director)
    out: dict[str, Any] = {}
    for size in (5, 200):
        case = _case_with(size, director)
        api = queries_of(partial(client.get, f"/api/v1/cases/{case.pk}/"))
        page = queries_of(partial(web.get, f"/cases/{case.pk}/"))
        out[str(size)] = {"case": case.pk, "api_queries": len(api), "page_queries": len(page)}
    return out


# --- P4/P6: what the HTTP clients need, and the numbers afterwards -------------------------------


def cmd_tokens(count: str = "16") -> dict[str, Any]:
    """Tokens of intake officers at ``count`` different street centres, and one to read with."""
    memberships = (
        Membership.objects.filter(role=Role.INTAKE, centre__level=CentreLevel.STREET)
        .select_related("user", "centre")
        .order_by("centre__path")[: int(count)]
    )
    clients = []
    for membership in memberships:
        token = issue_api_token(user=membership.user)
        clients.append({"token": token, "centre": membership.centre_id})
    category = Category.objects.filter(parent__isnull=False).order_by("pk")[0]
    reader = issue_api_token(user=User.objects.get(username=CITY_DIRECTOR))
    # A typical case to read: the latest closed one with its two or three parties.
    case = (
        Case.objects.filter(status="closed", created_by__isnull=False)
        .annotate(n=Count("parties"))
        .filter(n__lte=3)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return {"clients": clients, "category": category.pk, "reader": reader, "case": case}


def cmd_gaps(since: str) -> dict[str, Any]:
    """Are the numbers of the cases registered since ``since`` (ISO time) gap-free?"""
    start = datetime.fromisoformat(since)
    touched = set(
        Case.objects.filter(registered_at__gte=start).values_list("registering_centre_id", "year")
    )
    problems = []
    registered = Case.objects.filter(registered_at__gte=start).count()
    for centre, year in sorted(touched):
        sequences = sorted(
            Case.objects.filter(registering_centre_id=centre, year=year).values_list(
                "sequence", flat=True
            )
        )
        last = CaseNumberCounter.objects.get(centre_id=centre, year=year).last
        if sequences != list(range(1, len(sequences) + 1)) or last != len(sequences):
            problems.append(f"centre {centre} year {year}: {len(sequences)} cases, last {last}")
    return {"registered": registered, "series": len(touched), "gap_free": not problems,
            "problems": problems[:10]}  # fmt: skip


# --- P7–P9: the web list, its searches and the CSV export, as the city's director -----------------

WEB_LIST = "/cases/"
EXPORT_URL = "/cases/export.csv"


def _web(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _page(client: Client, url: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    return call


def _measured_page(client: Client, url: str, runs: int) -> dict[str, Any]:
    """p95 of the page in-process, its size, its queries and the statements that read cases."""
    call = _page(client, url)
    statements = queries_of(call)
    return {
        **timed(call, runs),
        "kb": round(len(call().content) / 1024, 1),
        "queries": len(statements),
        "plans": _plans(_reading_cases(statements)),
    }


def _plans(statements: list[str]) -> list[dict[str, str]]:
    return [{"sql": sql, "plan": explain(sql)} for sql in statements]


def _reading_cases(statements: list[str]) -> list[str]:
    """The statements that read the cases themselves: the page's rows and its bounded total (not
    the session, the user's scope, the prefetched parties or the form's choices)."""
    return [s for s in statements if 'FROM "cases_case"' in s and s.startswith("SELECT")]


def cmd_weblist() -> dict[str, Any]:
    """P7: the web case list of the city's director, first page (every case of the city)."""
    return {"url": WEB_LIST, **_measured_page(_web(CITY_DIRECTOR), WEB_LIST, 40)}


def _search_terms(director: Any) -> dict[str, str]:
    """What a user would type, taken from the city's own data: a word of the demo's summaries, two
    characters of a party's name, a party's phone and its last four digits (尾号) — the party of
    the latest case with a phone."""
    party = (
        Party.objects.filter(case__in=cases_for(director))
        .exclude(phone_encrypted="")
        .exclude(kind="organisation")
        .order_by("-case_id", "pk")
        .first()
    )
    assert party is not None, "no party with a phone"
    phone = personal_data.decrypt(party.phone_encrypted)
    name = party.name
    return {
        "word": SEARCH_WORD,
        "name": name[-2:] if len(name) > 2 else name,
        "phone": phone,
        "tail": f"尾号{phone[-4:]}",
    }


SEARCH_WORD = "噪音"  # a caller's word in the demo's summaries (cases/demo/stories.py), issue 21


def cmd_searches() -> dict[str, Any]:
    """P8: the list searched as the web user searches it — the form posts the text, the results are
    at ``/cases/?search=<key>`` — for each kind of search; and the similar-cases panel of the
    latest case (``cases.queries.similar.similar_cases``), if it exists."""
    director = User.objects.get(username=CITY_DIRECTOR)
    client = _web(CITY_DIRECTOR)
    out: dict[str, Any] = {}
    for kind, text in _search_terms(director).items():
        posted = client.post(WEB_LIST, {"q": text})
        assert posted.status_code == 303, (text, posted.status_code, posted.content[:300])
        url = posted["Location"]
        filterset = CaseListFilter(
            {"q": text}, detailed_cases(director), request=_request(director)
        )
        assert filterset.is_valid(), filterset.errors
        found = count_cases(filterset.qs, count_limit())
        out[kind] = {
            # The phone as the list shows it (the search was for the whole number).
            "text": personal_data.mask(personal_data.Kind.PHONE, text) if kind == "phone" else text,
            "found": found,
            "capped": found > count_limit(),
            **_measured_page(client, url, 40),
        }
    out["similar"] = _similar(director)
    return out


def _request(user: Any) -> Any:
    request = RequestFactory().get(WEB_LIST)
    request.user = user
    return request


def _similar(director: Any) -> dict[str, Any]:
    try:
        from cases.queries.similar import similar_cases
    except ImportError:
        return {"missing": "similar_cases missing"}
    case = cases_for(director).order_by("-registered_at", "-pk").first()
    assert case is not None

    def call() -> Any:
        return list(similar_cases(case, director, limit=5))

    statements = queries_of(call)
    return {
        "case": case.pk,
        "found": len(call()),
        **timed(call, 40),
        "queries": len(statements),
        "plans": _plans(
            [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
        ),
    }


def cmd_export() -> dict[str, Any]:
    """P9: the city's CSV of the last complete month (registered in it, local time), streamed: the
    time to the response's first chunk and to its first case, five times; then the whole file
    once."""
    client = _web(CITY_DIRECTOR)
    month = report_month()
    start, end = month_start(month), month_end(month)
    # The web list's own date filters (local days, both included); ``registered_after`` and
    # ``registered_before`` are the API's, which the web list does not take.
    url = f"{EXPORT_URL}?" + urlencode(
        {
            "registered_from": start.date().isoformat(),
            "registered_to": (end - timedelta(days=1)).date().isoformat(),
        }
    )
    rows = Case.objects.filter(registered_at__gte=start, registered_at__lt=end).count()

    def first_chunks() -> tuple[float, float, Any]:
        started = time.perf_counter()
        response: Any = client.get(url)  # a StreamingHttpResponse when the export streams
        if not response.streaming:
            return (time.perf_counter() - started) * 1000, 0.0, response
        chunks = iter(response.streaming_content)
        next(chunks)
        first_byte = (time.perf_counter() - started) * 1000
        next(chunks, None)
        first_row = (time.perf_counter() - started) * 1000
        response.close()
        return first_byte, first_row, response

    probe_response = first_chunks()[2]
    result: dict[str, Any] = {
        "url": url,
        "month": f"{month:%Y-%m}",
        "rows": rows,
        "status": probe_response.status_code,
        "streaming": probe_response.streaming,
    }
    if not probe_response.streaming:
        result["location"] = probe_response.get("Location", "")
        return result
    samples = [first_chunks() for _ in range(5)]
    first_byte = sorted(s[0] for s in samples)
    first_row = sorted(s[1] for s in samples)
    result["first_byte_ms"] = {"median": round(statistics.median(first_byte), 1),
                               "max": round(first_byte[-1], 1)}  # fmt: skip
    result["first_row_ms"] = {"median": round(statistics.median(first_row), 1),
                              "max": round(first_row[-1], 1)}  # fmt: skip
    chunks: list[int] = []

    def whole_file() -> None:
        response: Any = client.get(url)
        chunks.extend(len(chunk) for chunk in response.streaming_content)

    started = time.perf_counter()
    statements = queries_of(whole_file)
    result["whole_s"] = round(time.perf_counter() - started, 1)
    result["whole_kb"] = round(sum(chunks) / 1024)
    result["exported"] = len(chunks) - 1  # a chunk per case after the header
    result["queries"] = len(statements)
    # The month's ids (the bounded read that decides streamed or background), the first chunk.
    result["plans"] = _plans(_reading_cases(statements)[:2])
    return result


# --- P12: the daily early-warning run ----------------------------------------------------------


def cmd_warnings(runs: str = "5") -> dict[str, Any]:
    """P12: the daily early-warning run (``raise_warnings``) as of a minute after the latest case,
    each run rolled back (its writes included, nothing kept); with what it found and the plans of
    its queries."""
    from django.db import transaction

    from cases.queries.warnings import find_candidates
    from cases.services.warnings import raise_warnings

    latest = Case.objects.order_by("-registered_at").values_list("registered_at", flat=True)[:1]
    now = (latest[0] if latest else timezone.now()) + timedelta(minutes=1)
    found: dict[str, int] = defaultdict(int)

    def call() -> None:
        with transaction.atomic():
            raise_warnings(now=now)
            transaction.set_rollback(True)

    statements = queries_of(lambda: find_candidates(now))
    for candidate in find_candidates(now):
        found[candidate.rule] += 1
    return {
        **timed(call, int(runs)),
        "now": now.isoformat(),
        "found": dict(found),
        "queries": len(statements),
        "plans": [
            {"sql": sql, "plan": explain(sql)}
            for sql in statements
            if sql.lstrip().upper().startswith("SELECT")
        ],
    }


# --- Plans ---------------------------------------------------------------------------------------


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def cmd_explain() -> dict[str, Any]:
    centre, month, now = city(), report_month(), timezone.now()
    report_sql = queries_of(lambda: monthly.report(centre, month, "subtree", now=now))
    listing = cmd_list()
    plans = {
        "report": [
            {"sql": sql, "plan": explain(sql)}
            for sql in report_sql
            if sql.lstrip().upper().startswith("SELECT")
        ],
        "list_first": [
            {"sql": sql, "plan": explain(sql)} for sql in _cases_sql(listing["first_sql"])
        ],
        "list_deep": [
            {"sql": sql, "plan": explain(sql)} for sql in _cases_sql(listing["deep_sql"])
        ],
    }
    return plans


def _cases_sql(statements: list[str]) -> list[str]:
    """The list's own queries (not the token lookup or the user's scope)."""
    return [s for s in statements if '"cases_case"' in s.split("FROM", 1)[-1][:40]]


def cmd_roll() -> dict[str, Any]:
    """Carry the stock counters to this month (a database restored from an older dump)."""
    return {"stocks_through": f"{roll_stocks():%Y-%m}"}


# --- P10, P11 (issue 24): the city report's PDF; the monthly snapshot run ------------------------


def cmd_pdf(runs: str = "5") -> dict[str, Any]:
    """P10: the city's report for the last complete month as its PDF (the e-mail's attachment and
    the API's ``format=pdf``), in the product's language: the median of ``runs`` renders after
    one that loads WeasyPrint and the fonts (a worker does that at start)."""
    from pypdf import PdfReader

    from cases.documents import report as report_document

    data = monthly.labelled(monthly.report(city(), report_month(), "subtree"))
    first = time.perf_counter()
    content = report_document.to_pdf(data)
    first_s = time.perf_counter() - first
    samples, cpu = [], []
    for _ in range(int(runs)):
        started, started_cpu = time.perf_counter(), time.process_time()
        report_document.to_pdf(data)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return {
        "median_s": round(statistics.median(samples), 2),
        "cpu_median_s": round(statistics.median(cpu), 2),
        "first_s": round(first_s, 2),
        "runs": int(runs),
        "pages": len(PdfReader(io.BytesIO(content)).pages),
        "kb": round(len(content) / 1024),
        "month": f"{report_month():%Y-%m}",
        "mediators": len(data["breakdowns"]["mediator"]),
    }


def cmd_monthly_start() -> dict[str, Any]:
    """P11: a new snapshot run of the last complete month, its centres dispatched in chunks to the
    workers' ``reports`` queue as the schedule's ``report_monthly_run`` does; the run's id."""
    from cases.services import snapshots

    run = snapshots.start_run(report_month())
    dispatched = snapshots.complete(run)
    return {"run": run.pk, "version": run.version, "dispatched": dispatched}


def cmd_monthly_status(run_id: str) -> dict[str, Any]:
    """P11: how far the workers are with the run: finished (every centre's snapshot), and the
    e-mails still owed (directors to e-mail, not e-mailed yet)."""
    from cases.models import ReportRun, ReportSnapshot
    from cases.queries import snapshots as snapshot_queries

    run = ReportRun.objects.get(pk=int(run_id))
    snapshots = ReportSnapshot.objects.filter(run=run)
    return {
        "finished": run.finished_at is not None,
        "centres": Centre.objects.count(),
        "snapshots": snapshots.count(),
        "emailed_centres": snapshots.filter(emailed_at__isnull=False).count(),
        "owed": snapshot_queries.owed_emails(run).count(),
        "version": run.version,
    }


def main() -> None:
    command, *args = sys.argv[1:]
    result = globals()[f"cmd_{command}"](*args)
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
