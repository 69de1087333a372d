"""Placeholder: being written."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def mediator_list(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def mediator_detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()
