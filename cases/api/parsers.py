"""The API's JSON parser: DRF's, with a limit on nesting.

2 kB of ``[[[[…]]]]`` made Python's decoder raise ``RecursionError`` (a 500), and a body nested a
few hundred levels, parsed, could still exhaust the stack further on (serializers, the
Idempotency-Key fingerprint). No request of this API nests deeper than a few levels: anything
deeper than ``MAX_DEPTH`` is a 400 ``parse_error``.
"""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, MultiPartParser

from ..services.attachments import MULTIPART_OVERHEAD, FileTooLarge, human_size

MAX_DEPTH = 32


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(too_deep()) from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(too_deep())
        return data


def too_deep() -> str:
    return _("The JSON body is nested too deeply (at most %(depth)d levels).") % {
        "depth": MAX_DEPTH
    }


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Does ``data`` hold arrays or objects more than ``limit`` deep? Without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class AttachmentMultiPartParser(MultiPartParser):
    """multipart/form-data for attachments, refused (413 naming ``file``) from its
    ``Content-Length`` alone when it cannot hold a file the server would take: the body is not
    read at all then."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        meta = getattr(request, "META", {}) if request is not None else {}
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = int(settings.ATTACHMENT_MAX_BYTES)
        if length > limit + MULTIPART_OVERHEAD:
            raise FileTooLarge(
                _("The file is larger than the %(limit)s this server accepts.")
                % {"limit": human_size(limit)},
                fields={
                    "file": [
                        _("Files of at most %(limit)s are accepted.") % {"limit": human_size(limit)}
                    ]
                },
            )
        return super().parse(stream, media_type, parser_context)
