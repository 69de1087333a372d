"""DRF's request throttles (``anon`` and ``user`` rates, counters in the cache), telling the caller
where it stands on every API answer:

- ``X-RateLimit-Limit``: the requests the window allows (``API_THROTTLE_USER`` signed in,
  ``API_THROTTLE_ANON`` per address without a token);
- ``X-RateLimit-Remaining``: how many of them are left now, this request counted;
- ``X-RateLimit-Reset``: seconds until the oldest counted request leaves the window, so one more
  is allowed (on a 429 the same as ``Retry-After``).

Where several throttles apply, the headers are the one with the fewest requests left (of two
spent, the one with the longer wait). Answers made
before the throttles run (401 for a bad token, 413 for a body too large) carry none.
"""

import math
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from rest_framework import throttling
from rest_framework.request import Request

LIMIT = "X-RateLimit-Limit"
REMAINING = "X-RateLimit-Remaining"
RESET = "X-RateLimit-Reset"

_STATE = "_rate_limit"


def seconds(wait: float) -> int:
    """A wait as whole seconds for ``Retry-After`` and ``X-RateLimit-Reset``: rounded up, at
    least 1."""
    return max(1, math.ceil(wait))


class _Reporting(throttling.SimpleRateThrottle):
    num_requests: int
    duration: int

    def allow_request(self, request: Request, view: Any) -> bool:
        allowed = super().allow_request(request, view)
        if self.rate is None or getattr(self, "key", None) is None:
            return allowed
        remaining = max(0, self.num_requests - len(self.history)) if allowed else 0
        oldest = self.history[-1] if self.history else self.now
        state = (self.num_requests, remaining, seconds(self.duration - (self.now - oldest)))
        http_request = request._request
        current = getattr(http_request, _STATE, None)
        # The fewest left; of two spent, the longer wait (the one Retry-After gives).
        if current is None or (remaining, -state[2]) < (current[1], -current[2]):
            setattr(http_request, _STATE, state)
        return allowed


class AnonRateThrottle(_Reporting, throttling.AnonRateThrottle):
    """Requests without a token, per client address (``anon``)."""


class UserRateThrottle(_Reporting, throttling.UserRateThrottle):
    """Requests per signed-in user (per address without a token) (``user``)."""


class RateLimitHeadersMiddleware:
    """Puts the throttles' standing (see the module) on the answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        state = getattr(request, _STATE, None)
        if state is not None:
            limit, remaining, reset = state
            response[LIMIT] = str(limit)
            response[REMAINING] = str(remaining)
            response[RESET] = str(reset)
        return response
