"""Transitions as the API shows them, all derived from the transition table
(``cases.workflow.TRANSITIONS``) and its forms, never written out per transition:

- ``describe_transition``: one entry of ``GET /cases/{id}/transitions/`` (DESIGN §9), and
  ``TransitionSerializer``, the schema of that entry;
- ``request_serializer``: the schema of a transition's body (``DeclineRequest {reason}``,
  ``ResolveRequest {agreement: ResolveAgreementRequest {...}}``, ...).

The forms alone validate the bodies (``workflow.transition``); these serializers only describe them.
"""

import functools
from typing import Any

from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ... import workflow
from ..fields import IdField, WholeNumberField

# What ``type`` says of a field in the listing, in the order of ``field_type``'s checks.
FIELD_TYPES = ("array[integer]", "integer", "decimal", "date", "choice", "string", "object")


def field_type(field: forms.Field) -> str:
    """The listing's name for the type of a form field (one of ``FIELD_TYPES``)."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        return "array[integer]"
    if isinstance(field, forms.ModelChoiceField):
        return "integer"
    if isinstance(field, forms.DecimalField):
        return "decimal"
    if isinstance(field, forms.IntegerField):  # after DecimalField, which is one
        return "integer"
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    return "string"


def _choices(field: forms.Field) -> list[tuple[Any, Any]] | None:
    """A (non-model) choice field's choices, without the blank one; None for any other field."""
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return [(v, label) for v, label in list(field.choices) if v != ""]  # type: ignore[arg-type]
    return None


def describe(form_class: type[forms.Form]) -> list[dict[str, Any]]:
    """The fields a transition needs, from the form that validates them."""
    described = []
    for name, field in form_class.base_fields.items():
        choices = _choices(field)
        described.append(
            {
                "name": name,
                "type": field_type(field),
                "required": field.required,
                "choices": None
                if choices is None
                else [{"value": v, "label": str(label)} for v, label in choices],
            }
        )
    return described


def describe_transition(spec: workflow.Transition) -> dict[str, Any]:
    """One entry of the transitions listing: name, label and fields (a nested form's fields under
    the one ``object`` field holding them)."""
    fields = describe(spec.form)
    if spec.nested:
        fields = [
            {
                "name": spec.nested,
                "type": "object",
                "required": True,
                "choices": None,
                "fields": fields,
            }
        ]
    return {"name": spec.name, "label": str(spec.label), "fields": fields}


# --- The listing's schema -------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "enum": list(workflow.TRANSITIONS),
        "description": "A transition's name: POST it to /cases/{id}/transitions/{name}/.",
    },
    component_name="TransitionNameEnum",
)
class TransitionNameField(serializers.CharField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "enum": list(FIELD_TYPES),
        "description": (
            "The JSON a field takes: string; integer (an id, or a whole number); array[integer] "
            '(ids); decimal (a string such as "500.00"); date ("YYYY-MM-DD"); choice (one of '
            "`choices`' values); object (the nested `fields`)."
        ),
    },
    component_name="TransitionFieldTypeEnum",
)
class TransitionFieldTypeField(serializers.CharField):
    pass


class TransitionFieldChoiceSerializer(serializers.Serializer[Any]):
    """One value a choice field takes, with its label in the caller's language."""

    # (``label`` and ``required`` are also attributes of a serializer, which is a field: the
    # declared fields replace them on the class, hence the ignores.)
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class TransitionSubfieldSerializer(serializers.Serializer[Any]):
    """A field of an object field's `fields` (resolve's agreement)."""

    name = serializers.CharField(help_text="The key of the field in the body.")
    type = TransitionFieldTypeField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    choices = TransitionFieldChoiceSerializer(
        many=True, allow_null=True, help_text="The values of a choice field; null for any other."
    )


class TransitionFieldSerializer(TransitionSubfieldSerializer):
    """A field of a transition's body."""

    fields = TransitionSubfieldSerializer(  # type: ignore[assignment]
        many=True, required=False, help_text="An object field's own fields (type object only)."
    )


class TransitionSerializer(serializers.Serializer[Any]):
    """A transition you may perform on the case now, and the fields of its body."""

    name = TransitionNameField()
    label = serializers.CharField(help_text="In the caller's language.")  # type: ignore[assignment]
    fields = TransitionFieldSerializer(many=True)  # type: ignore[assignment]


# --- The bodies' schemas --------------------------------------------------------------------------


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _given(**limits: Any) -> dict[str, Any]:
    """The limits a form field sets (None: it sets none)."""
    return {key: value for key, value in limits.items() if value is not None}


def _request_field(field: forms.Field) -> serializers.Field[Any, Any, Any, Any]:
    """The serializer field describing what a form field accepts (an optional field also takes
    null, which the form reads as missing)."""
    common: dict[str, Any] = {"required": field.required, "label": field.label}
    if field.help_text:
        common["help_text"] = field.help_text
    if not field.required:
        common["allow_null"] = True
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=IdField(), allow_empty=not field.required, **common)
    if isinstance(field, forms.ModelChoiceField):
        return IdField(**common)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(
            max_digits=field.max_digits,
            decimal_places=field.decimal_places,
            **_given(min_value=field.min_value, max_value=field.max_value),
            **common,
        )
    if isinstance(field, forms.IntegerField):
        return WholeNumberField(
            **_given(min_value=field.min_value, max_value=field.max_value), **common
        )
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, forms.ChoiceField):
        return serializers.ChoiceField(choices=_choices(field) or [], **common)
    if type(field) is forms.CharField:
        return serializers.CharField(
            allow_blank=not field.required,
            **_given(max_length=field.max_length, min_length=field.min_length),
            **common,
        )
    raise TypeError(
        f"{type(field).__name__} has no request schema: teach "
        "cases.api.serializers.transitions._request_field (and field_type) to describe it"
    )


def _serializer(
    name: str, form_class: type[forms.Form], doc: str
) -> type[serializers.Serializer[Any]]:
    fields = {key: _request_field(field) for key, field in form_class.base_fields.items()}
    return type(
        f"{name}Serializer",
        (serializers.Serializer,),
        {**fields, "__doc__": doc, "__module__": __name__},
    )


@functools.cache
def request_serializer(name: str) -> type[serializers.Serializer[Any]]:
    """The serializer describing the body of transition ``name`` (component ``<Name>Request``):
    its form's fields, or (``Transition.nested``) one required object field holding them."""
    spec = workflow.TRANSITIONS[name]
    doc = f"The body of the transition `{name}`."
    if not spec.nested:
        return _serializer(_camel(name), spec.form, doc)
    inner = _serializer(
        _camel(name) + _camel(spec.nested),
        spec.form,
        f"The `{spec.nested}` of the transition `{name}`.",
    )
    return type(
        f"{_camel(name)}Serializer",
        (serializers.Serializer,),
        {spec.nested: inner(required=True), "__doc__": doc, "__module__": __name__},
    )
