"""Placeholder: being written."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def agreement_print(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def agreement_pdf(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def fulfilment(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()


def follow_up_record(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404()
