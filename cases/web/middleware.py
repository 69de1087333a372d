"""Domain errors that escape a web view: a case out of scope is a plain 404 page."""

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from ..errors import CaseNotFound


class CaseNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CaseNotFound) and not request.path.startswith("/api/"):
            raise Http404() from exception
        return None
