"""Placeholder: being written."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def calendar(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def session_book(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def session_record(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def session_cancel(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()
