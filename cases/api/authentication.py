"""How API callers prove who they are: ``Authorization: Token <key>``, django-rest-knox's tokens.

Only a hash of each token is stored; a token expires once unused for ``API_TOKEN_TTL_DAYS`` and each
use moves its expiry on (``REST_KNOX`` in the settings).
"""

from typing import Any

from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication

from ..services import users


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's authentication in one query per request (the token with its user)."""

    def _cleanup_token(self, auth_token: Any) -> bool:
        # knox also reads all the user's other tokens here to delete the expired ones: a second
        # query on every request. ``issue_api_token`` sweeps them when the user next signs in.
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            users.revoke_api_token(token=auth_token)
            return True
        return False
