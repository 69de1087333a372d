"""Errors the domain raises. Each carries a stable ``code``, a translated message, and the fields at fault.

Every surface turns them into its own shape (a form error, a JSON error body) without losing the field
names; no surface shows a stack trace.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    default_message: Any = _("The request could not be carried out.")

    def __init__(
        self, message: Any = None, *, fields: Mapping[str, Sequence[Any]] | None = None
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.fields: dict[str, list[str]] = {
            name: [str(m) for m in messages] for name, messages in (fields or {}).items()
        }
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class CaseNotFound(DomainError):
    """Missing and out of scope look the same: a case's existence is not disclosed."""

    code = "not_found"
    default_message = _("No such case.")


class NotPermitted(DomainError):
    code = "permission_denied"
    default_message = _("You may not do this.")


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    default_message = _("This action is not allowed now.")


class InvalidInput(DomainError):
    code = "invalid"
    default_message = _("Some fields are not valid.")

    @classmethod
    def from_validation_error(cls, error: ValidationError, prefix: str = "") -> "InvalidInput":
        if hasattr(error, "error_dict"):
            fields = {f"{prefix}{name}": msgs for name, msgs in error.message_dict.items()}
        else:
            fields = {f"{prefix}__all__" if prefix else "__all__": error.messages}
        return cls(fields=fields)


class DoubleBooking(InvalidInput):
    code = "double_booked"
    default_message = _("A mediator or room is already booked at that time.")


class VersionConflict(DomainError):
    code = "precondition_failed"
    default_message = _("Someone else changed this case meanwhile. Reload it and try again.")

    def __init__(self, current_version: int) -> None:
        super().__init__()
        self.current_version = current_version


def error_body(
    code: str, message: Any, fields: dict[str, list[str]] | None = None, **extra: Any
) -> dict[str, Any]:
    """The one error shape of every JSON answer: ``{"error": {"code", "message", "fields"}}``
    (DESIGN §9), for the API and for the few JSON answers made outside it (a login lockout)."""
    error: dict[str, Any] = {"code": code, "message": str(message), "fields": fields or {}}
    error.update(extra)
    return {"error": error}
