"""Sessions: the week calendar of a centre, a mediator or a room; booking, recording, cancelling.

Reads go through ``cases.queries`` (only sessions of cases the user may see), writes through
``cases.services.sessions``: the service refuses a double-booked mediator or room, and its message
is shown next to the field it names.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ...access import can
from ...errors import DomainError
from ...models import Case, Session, SessionStatus
from ...queries.sessions import sessions_for, week_sessions
from ...services.sessions import (
    BOOKABLE_STATUSES,
    book_session,
    cancel_session,
    move_session,
    record_session,
)
from ..base import (
    AuthenticatedHttpRequest,
    add_domain_error,
    case_or_404,
    htmx_redirect,
    render_form,
)
from ..forms.sessions import (
    CalendarForm,
    ConfirmForm,
    SessionBookForm,
    SessionMoveForm,
    SessionRecordForm,
)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_url(params: dict[str, Any], week: date | None) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "", False)}
    if week is not None:
        query["week"] = week.isoformat()
    return f"{reverse('web:calendar')}?{urlencode(query)}" if query else reverse("web:calendar")


@login_required
@require_GET
def calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A week (Monday to Sunday, local time) of one centre's, mediator's or room's sessions."""
    user = request.user
    chosen = {"centre", "mediator", "room"} & set(request.GET)
    data: Any = request.GET if chosen else {**CalendarForm.default_for(user), **request.GET.dict()}
    form = CalendarForm(data, user=user)
    around = form.around()
    form.offer_near(around)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "form": form,
        "today": today,
        "subject": None,
        "days": [],
        "around": around,
    }
    if not form.is_valid():
        return render_form(request, "web/calendar.html", context)

    cleaned = form.cleaned_data
    monday = _monday(cleaned.get("week") or today)
    start = timezone.make_aware(datetime.combine(monday, time.min))
    end = timezone.make_aware(datetime.combine(monday + timedelta(days=7), time.min))
    centre, mediator, room = cleaned.get("centre"), cleaned.get("mediator"), cleaned.get("room")
    subject = centre or mediator or room
    days: list[dict[str, Any]] = [
        {"date": monday + timedelta(days=i), "sessions": []} for i in range(7)
    ]
    if subject is not None:
        sessions = week_sessions(
            user,
            start=start,
            end=end,
            centre=centre,
            subtree=bool(cleaned.get("subtree")),
            mediator=mediator,
            room=room,
        )
        for session in sessions:
            offset = (timezone.localtime(session.starts_at).date() - monday).days
            days[offset]["sessions"].append(session)

    params = {
        "centre": centre.pk if centre else None,
        "subtree": "on" if centre and cleaned.get("subtree") else None,
        "mediator": mediator.pk if mediator else None,
        "room": room.pk if room else None,
    }
    context.update(
        subject=subject,
        subject_kind="centre" if centre else "mediator" if mediator else "room" if room else "",
        subtree=bool(centre and cleaned.get("subtree")),
        days=days,
        monday=monday,
        sunday=monday + timedelta(days=6),
        is_this_week=monday == _monday(today),
        previous_url=_week_url(params, monday - timedelta(days=7)),
        next_url=_week_url(params, monday + timedelta(days=7)),
        this_week_url=_week_url(params, None),
        week_value=monday.isoformat(),
        count=sum(len(day["sessions"]) for day in days),
    )
    return render_form(request, "web/calendar.html", context)


def _bookable_case(request: AuthenticatedHttpRequest, pk: int) -> Case:
    """The case if the user may see it (else 404) and book its sessions (else 403)."""
    case = case_or_404(request.user, pk)
    if not can(request.user, "book_session", case):
        raise PermissionDenied()
    return case


@login_required
@require_http_methods(["GET", "POST"])
def session_book(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Book a session for a case; a double-booked mediator or room is refused at its field."""
    case = _bookable_case(request, pk)
    template = (
        "web/partials/session_book_form.html"
        if getattr(request, "htmx", False)
        else "web/session_book.html"
    )
    form = SessionBookForm(
        request.POST if request.method == "POST" else None,
        case=case,
        user=request.user,
        initial={"date": timezone.localdate()},
    )
    context = {"case": case, "form": form, "bookable": case.status in BOOKABLE_STATUSES}
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.times()
        data = form.cleaned_data
        try:
            session = book_session(
                case=case,
                actor=request.user,
                starts_at=starts_at,
                ends_at=ends_at,
                mediators=data["mediators"],
                room=data.get("room"),
                place=data.get("place") or "",
                mode=data["mode"],
                parties_present=data.get("parties_present") or [],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Session booked for %(day)s, %(start)s–%(end)s.")
                % {
                    "day": date_format(timezone.localtime(session.starts_at), "DATE_FORMAT"),
                    "start": timezone.localtime(session.starts_at).strftime("%H:%M"),
                    "end": timezone.localtime(session.ends_at).strftime("%H:%M"),
                },
            )
            return htmx_redirect(request, reverse("web:case_detail", args=[case.pk]))
    return render_form(request, template, context)


def _session_for_work(request: AuthenticatedHttpRequest, pk: int) -> tuple[Session, Case]:
    """The session if its case is in the user's scope (else 404) and the user may work on its
    sessions (else 403)."""
    session = get_object_or_404(sessions_for(request.user), pk=pk)
    case = _bookable_case(request, session.case_id)
    return session, case


RECORD_FIELDS = (
    "result",
    "minutes",
    "others_present",
    "applicant_statement",
    "respondent_statement",
    "agreed",
    "next_step",
)


@login_required
@require_http_methods(["GET", "POST"])
def session_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Write the session record (调解笔录); the session becomes held. A held session's record
    opens filled in, to be corrected (each correction is an event)."""
    session, case = _session_for_work(request, pk)
    if request.method == "POST":
        form = SessionRecordForm(request.POST, case=case)
    else:
        initial: dict[str, Any] = {name: getattr(session, name) for name in RECORD_FIELDS}
        initial["parties_present"] = list(session.parties_present.all())
        form = SessionRecordForm(case=case, initial=initial)
    correcting = session.status == SessionStatus.HELD
    context = {"case": case, "session": session, "form": form, "correcting": correcting}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_session(
                session=session,
                actor=request.user,
                parties_present=data["parties_present"],
                **{name: data[name] for name in RECORD_FIELDS},
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("The session record has been corrected.")
                if correcting
                else _("The session has been recorded."),
            )
            return htmx_redirect(request, reverse("web:case_detail", args=[case.pk]))
    return render_form(request, "web/session_record.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move (reschedule) a scheduled session: a busy mediator or room is refused at its field;
    the session's mediators are told, and reminded again the evening before the new day."""
    session, case = _session_for_work(request, pk)
    form = SessionMoveForm(
        request.POST if request.method == "POST" else None,
        case=case,
        user=request.user,
        initial=SessionMoveForm.initial_for(session),
    )
    context = {
        "case": case,
        "session": session,
        "form": form,
        "movable": session.status == SessionStatus.SCHEDULED,
    }
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.times()
        try:
            moved = move_session(
                session=session,
                actor=request.user,
                starts_at=starts_at,
                ends_at=ends_at,
                room=form.cleaned_data.get("room"),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Session moved to %(day)s, %(start)s–%(end)s.")
                % {
                    "day": date_format(timezone.localtime(moved.starts_at), "DATE_FORMAT"),
                    "start": timezone.localtime(moved.starts_at).strftime("%H:%M"),
                    "end": timezone.localtime(moved.ends_at).strftime("%H:%M"),
                },
            )
            return htmx_redirect(request, reverse("web:case_detail", args=[case.pk]))
    return render_form(request, "web/session_move.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm (GET) and cancel (POST) a scheduled session, freeing its room and mediators."""
    session, case = _session_for_work(request, pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    context = {"case": case, "session": session, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            cancel_session(session=session, actor=request.user)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The session has been cancelled."))
            return htmx_redirect(request, reverse("web:case_detail", args=[case.pk]))
    context["cancellable"] = session.status == SessionStatus.SCHEDULED
    return render_form(request, "web/session_cancel.html", context)
