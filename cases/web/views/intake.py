"""Placeholder: being written."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def intake(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def party_row(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def subcategories(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def person_hint(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()
