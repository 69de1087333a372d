"""Log lines never carry a phone or ID number in clear (issue 15).

A search for a number should not reach a URL at all (the case list posts it, the API offers
``POST /cases/search/``), but whatever still arrives in a query string or a path is written by the
request logs: runserver's ``django.server`` line, ``django.request`` warnings, gunicorn's access log.
``MaskPersonalNumbers`` (attached to every handler in ``LOGGING``) and ``GunicornLogger`` mask them
as the product shows them everywhere: ``138****5678``, ``420***********1234``.
"""

import logging
from collections.abc import Mapping
from typing import Any

from gunicorn.glogging import Logger

from cases.personal_data import mask_numbers


def _masked(value: Any) -> Any:
    return mask_numbers(value) if isinstance(value, str) else value


def masked_deep(value: Any) -> Any:
    """``value`` with every string inside it, in nested dicts, lists and tuples, masked (an error
    report for Sentry, ``mediation.sentry``)."""
    if isinstance(value, str):
        return mask_numbers(value)
    if isinstance(value, dict):
        return {key: masked_deep(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(masked_deep(item) for item in value)
    return value


class MaskPersonalNumbers(logging.Filter):
    """Mask phone and ID numbers in a record's message and its arguments (the request line is an
    argument of runserver's log call, the path one of ``django.request``'s)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _masked(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _masked(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_masked(value) for value in record.args)
        return True


class GunicornLogger(Logger):
    """gunicorn's logger with the access log's fields masked (request line, query string,
    referer and every other header): ``gunicorn --logger-class mediation.logs.GunicornLogger``."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: _masked(value) for key, value in atoms.items()}
