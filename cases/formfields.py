"""Form fields that read whole numbers and ids exactly.

``1.5``, ``"1.0"`` or ``True`` is no id: Django's and DRF's integer fields would read 1. The
transitions' forms (``cases.workflow``), the list filters (``cases.queries.filters``) and the API's
fields (``cases.api.fields``) read numbers through these, so a transition body, a filter and a
request body read them the same way.
"""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model

ID_MAX = 2**63 - 1  # ids are 64-bit (BigAutoField)
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)


def whole_number(value: Any) -> int:
    """``value`` as an int when it is one exactly: a JSON integer or a string of digits.

    Never a float (``1.5`` would silently become 1, and so would ``"1.0"`` for Django's and DRF's
    integer fields), a bool or anything else: ``ValueError``. The API's fields and filters use it
    too, so a transition body and a request body read numbers the same way.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())
    raise ValueError(f"not a whole number: {type(value).__name__}")


def as_id(value: Any) -> int:
    """``value`` as an id: a whole number from 1 to ``ID_MAX``; ``ValueError`` otherwise."""
    number = whole_number(value)
    if not 1 <= number <= ID_MAX:
        raise ValueError("an id out of range")
    return number


class WholeNumberField(forms.IntegerField):
    """An integer field that refuses ``5.5``, ``5.0`` and ``"5.5"`` instead of reading 5."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return whole_number(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class IdChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A model choice by id that refuses ids that are no whole number in range (``1.5`` was
    looked up as 1)."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not isinstance(value, Model):
            try:
                value = as_id(value)
            except ValueError:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                ) from None
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Several model choices by id, each read as ``IdChoiceField`` reads one."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            ids = []
            for pk in value:
                try:
                    ids.append(as_id(pk))
                except ValueError:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    ) from None
            value = ids
        return super().clean(value)
