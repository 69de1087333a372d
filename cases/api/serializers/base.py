"""Shared pieces of the serializers: choice labels, fields built once per class."""

import copy
from typing import Any, ClassVar, TypeVar

from django.db import models
from rest_framework import serializers

M = TypeVar("M", bound=models.Model)


def label_of(instance: Any, field: str) -> str:
    return str(getattr(instance, f"get_{field}_display")())


class ChoiceLabel(serializers.CharField):
    """The translated label of a choice field, read-only, beside its code: ``status_label``."""

    def __init__(self, field: str, **kwargs: Any) -> None:
        self.choice_field = field
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        return label_of(value, self.choice_field)


class FieldsBuiltOnce(serializers.ModelSerializer[M]):
    """A ModelSerializer that builds its fields from the model once per class, then copies them.

    DRF builds every field of a ModelSerializer again for each instance (inspecting the model's
    fields, validators and choices): for a case with its parties that was about a fifth of a case
    read (issue #8). Only for serializers whose fields depend on nothing but their Meta.
    """

    _built: ClassVar[dict[type, dict[str, serializers.Field[Any, Any, Any, Any]]]] = {}

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        cls = type(self)
        if cls not in FieldsBuiltOnce._built:
            FieldsBuiltOnce._built[cls] = super().get_fields()
        return copy.deepcopy(FieldsBuiltOnce._built[cls])
