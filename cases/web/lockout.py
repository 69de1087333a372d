"""Failed logins locked per account and per client address, each with its own limit (django-axes).

django-axes counts failures for each of ``AXES_LOCKOUT_PARAMETERS`` (the account, the address) but
compares them all to one ``AXES_FAILURE_LIMIT``. A window office's computers share one address, so
the address needs a higher limit than the account: this handler compares each count to its own
limit (``AXES_FAILURE_LIMIT`` for the account, ``AXES_ADDRESS_FAILURE_LIMIT`` for the address) and
reports the result to django-axes in the account's units. The web, the admin and the API's token
endpoint all log in through django-axes, so all of them are limited alike.
"""

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

ACCOUNT = "username"
ADDRESS = "ip_address"


def locked_by(request: HttpRequest) -> set[str]:
    """What the last check found locked for ``request``: ``{"username"}``, ``{"ip_address"}``…"""
    return set(getattr(request, "axes_locked_by", ()))


class AccountAndAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """The failures that count against ``request``, scaled to the account's limit.

        A count at or over its own limit comes out at or over the account's limit, and a count
        under it stays under, so django-axes' single comparison locks exactly when one does.
        """
        account_limit = get_failure_limit(request, credentials)
        limits = {ACCOUNT: account_limit, ADDRESS: settings.AXES_ADDRESS_FAILURE_LIMIT}
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        reached = set()
        scaled = 0
        for parameter, attempts in zip(parameters, attempts_list, strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            limit = limits.get(str(parameter), account_limit)
            if failures >= limit:
                reached.add(str(parameter))
            scaled = max(scaled, failures * account_limit // limit)
        request.axes_locked_by = reached
        return scaled

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """A successful login forgives that account's failures, not its address's: otherwise
        logging in to one's own account would wipe the count of guesses at everyone else's."""
        username = get_client_username(request, credentials)
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count
