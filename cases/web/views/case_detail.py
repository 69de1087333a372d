"""Placeholder: being written."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def case_detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def case_edit(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def case_action(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def party_reveal(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()
