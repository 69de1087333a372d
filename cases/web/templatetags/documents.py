"""Printed documents inside one another: the case file (卷宗) includes the registration form, the
session records and the agreement, each body rendered with its own context."""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def document_body(template_name: str, context: dict[str, Any]) -> SafeString:
    """``{% document_body "web/documents/registration_body.html" registration %}``: the body
    rendered with its own context (its template escapes what it shows)."""
    return mark_safe(render_to_string(template_name, context))
