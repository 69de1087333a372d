"""How API callers prove who they are: ``Authorization: Token <key>``, django-rest-knox's tokens;
``Authorization: Bearer <key>`` (RFC 6750) is the same token under the prefix generated clients send.

Only a hash of each token is stored; a token expires once unused for ``API_TOKEN_TTL_DAYS`` and each
use moves its expiry on (``REST_KNOX`` in the settings).
"""

from typing import Any

from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.authentication import get_authorization_header
from rest_framework.request import Request

from ..services import users

#: The second prefix taken beside knox's ``Token`` (compared case-insensitively, as knox does).
BEARER = b"bearer"


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's authentication in one query per request (the token with its user), taking the token
    after ``Token`` or ``Bearer``. A 401 still says ``WWW-Authenticate: Token``."""

    def authenticate(self, request: Request) -> Any:
        auth = get_authorization_header(request).split()
        if auth and auth[0].lower() == BEARER:
            # knox checks its own prefix, then the rest as it is: show it the header under it.
            header = b" ".join([self.authenticate_header(request).encode(), *auth[1:]])
            return super().authenticate(_Headers({"authorization": header}))
        return super().authenticate(request)

    def _cleanup_token(self, auth_token: Any) -> bool:
        # knox also reads all the user's other tokens here to delete the expired ones: a second
        # query on every request. ``issue_api_token`` sweeps them when the user next signs in.
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            users.revoke_api_token(token=auth_token)
            return True
        return False


class _Headers:
    """The one part of a request knox's ``authenticate`` reads: its ``headers``."""

    def __init__(self, headers: dict[str, bytes]) -> None:
        self.headers = headers
