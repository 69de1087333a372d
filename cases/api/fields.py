"""Integers and ids in request bodies, read exactly.

DRF's ``IntegerField`` reads ``5.0`` and ``"5.0"`` as 5, and its ``PrimaryKeyRelatedField`` looks
``25.5`` up as 25 (``"centre": 25.5`` registered a case at centre 25). These refuse any value that
is not a whole number (``cases.formfields.whole_number``: a JSON integer or a string of digits), and
ids outside 1..2**63-1, with a 400 naming the field.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..formfields import ID_MAX, as_id, whole_number


class WholeNumberField(serializers.IntegerField):
    """An integer: ``5`` or ``"5"``; never ``5.5``, ``5.0``, ``"5.5"`` or ``true``."""

    def to_internal_value(self, data: Any) -> int:
        try:
            return whole_number(data)
        except ValueError:
            self.fail("invalid")
            raise  # unreachable: fail() raises


class IdField(WholeNumberField):
    """An object's id given as a number (checked against a scope elsewhere)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class IdRelatedField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """``PrimaryKeyRelatedField`` that refuses ids that are no whole number, or out of range."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            as_id(data)
        except ValueError:
            if isinstance(data, int) and not isinstance(data, bool):
                self.fail("does_not_exist", pk_value=data)
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "string",
        "format": "email",
        "nullable": True,
        "description": "An e-mail address, or `null` for none.",
    }
)
class OptionalEmailField(serializers.EmailField):
    """An e-mail address or none: answered as ``null`` when an account has none (``""`` is no
    address, which the schema's ``format: email`` would refuse); ``null`` or ``""`` given is none."""

    def __init__(self, **kwargs: Any) -> None:
        # Answered: an address or null, never "" (so no blank in the schema's answers).
        kwargs.setdefault("allow_blank", not kwargs.get("read_only", False))
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None:
            return (True, "")
        return super().validate_empty_values(data)  # type: ignore[no-any-return]

    def to_representation(self, value: Any) -> str | None:  # type: ignore[override]
        return str(value) if value else None
