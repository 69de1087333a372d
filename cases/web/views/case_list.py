"""Placeholder: being written."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def case_list(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def case_export(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()
