"""Middleware of the web UI: idle sessions, the profile's language, no caching of personal data,
domain errors as 404s."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import ngettext

from ..errors import CaseNotFound
from ..queries.preferences import chosen_language

LAST_SEEN = "last_seen"  # in the session: when a request of this session was last recorded
# In the session: the language its user chose on their profile ("" for none), read at login.
PROFILE_LANGUAGE = "profile_language"
REFRESH_SECONDS = 60  # record activity (and so write the session) at most once a minute


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def without_session(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view that answers without a session or a user (``/healthz``): these middlewares then
    leave both unread, so the view answers even while the database (the session store) is down."""
    view.without_session = True  # type: ignore[attr-defined]
    return view


def _sessionless(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and getattr(match.func, "without_session", False)


def _now() -> int:
    return int(timezone.now().timestamp())


def record_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the new session's idle clock starts now."""
    if hasattr(request, "session"):
        request.session[LAST_SEEN] = _now()


def record_language(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the session keeps the language the user chose on their
    profile, so that a page costs no query to find it."""
    if hasattr(request, "session"):
        request.session[PROFILE_LANGUAGE] = chosen_language(user)


def remember_language(request: HttpRequest, language: str) -> None:
    """After ``request``'s user chose ``language`` on their profile: this session speaks it from
    this very answer on."""
    request.session[PROFILE_LANGUAGE] = language
    translation.activate(language)
    request.LANGUAGE_CODE = language


class ProfileLanguageMiddleware:
    """A logged-in user's pages speak the language they chose on their profile, whatever the
    browser asks (``Accept-Language`` and the language cookie, ``LocaleMiddleware``'s, count only
    until they choose). The API keeps answering in the request's language (docs/api.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        if _is_api(request) or getattr(view, "without_session", False):
            return
        if not request.user.is_authenticated:
            return
        language = request.session.get(PROFILE_LANGUAGE)
        if not isinstance(language, str):  # a session from before profiles had a language
            language = chosen_language(request.user)
            request.session[PROFILE_LANGUAGE] = language
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language


class IdleSessionMiddleware:
    """Ends a session after ``SESSION_IDLE_MINUTES`` without a request (shared computers).

    Each request of a logged-in user is activity; it is recorded in the session at most once a
    minute, so the stored session (and its expiry) is written at most once a minute, not on every
    request. The idle time is measured from the last recorded request, so it ends up to a minute
    early. The next request after that is anonymous: a page sends the user to the login page, which
    says why; an HTMX request gets ``HX-Redirect`` to it, from the page the user was on; the API
    answers as to anyone without credentials.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "htmx", False) and self._to_login(response):
            return self._htmx_to_login(request, response)
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        if not getattr(view, "without_session", False) and request.user.is_authenticated:
            self._check_idle(request)

    def _check_idle(self, request: HttpRequest) -> None:
        now = _now()
        last_seen = request.session.get(LAST_SEEN)
        idle_minutes = settings.SESSION_IDLE_MINUTES
        if isinstance(last_seen, int) and now - last_seen >= idle_minutes * 60:
            logout(request)  # deletes the stored session
            if not _is_api(request):
                messages.info(
                    request,
                    ngettext(
                        "Your session ended after %(minutes)d minute without activity. "
                        "Please log in again.",
                        "Your session ended after %(minutes)d minutes without activity. "
                        "Please log in again.",
                        idle_minutes,
                    )
                    % {"minutes": idle_minutes},
                )
        elif not isinstance(last_seen, int) or now - last_seen >= REFRESH_SECONDS:
            request.session[LAST_SEEN] = now

    @staticmethod
    def _to_login(response: HttpResponse) -> bool:
        if response.status_code not in (301, 302, 303, 307, 308):
            return False
        return urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)

    @staticmethod
    def _htmx_to_login(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """A redirect to log in would be followed by HTMX and the login page swapped into a part of
        the page: send the whole page there instead, coming back to the page after logging in."""
        page = request.htmx.current_url_abs_path  # type: ignore[attr-defined]
        location = redirect_to_login(page)["Location"] if page else response["Location"]
        reply = HttpResponse(status=204)
        reply["HX-Redirect"] = location
        return reply


class NoStoreMiddleware:
    """Nothing a logged-in user is shown, and no API answer, is kept by a browser or a proxy: a
    shared computer's next user must not find a case page, a list or an export in its cache.
    Static files never get here (WhiteNoise answers them first) and keep their long caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "no-store" in response.get("Cache-Control", ""):
            return response  # the view said so itself (a reveal of clear values)
        if _is_api(request) or (not _sessionless(request) and request.user.is_authenticated):
            add_never_cache_headers(response)
        return response


class CaseNotFoundMiddleware:
    """Domain errors that escape a web view: a case out of scope is a plain 404 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CaseNotFound) and not _is_api(request):
            raise Http404() from exception
        return None
