"""A case's attachments in the API: list, upload (multipart), download, thumbnail, withdraw.

The routes hang under the case (``/cases/{id}/attachments/…``), as actions of ``CaseViewSet``
(which mixes this class in), so the case is found in the caller's scope first: a case or an
attachment outside it answers 404. Files are streamed through here, never given a public address.
"""

from typing import Any

from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from ...errors import FileRemoved
from ...models import Attachment, Case
from ...queries.attachments import case_attachment, case_attachments
from ...queries.filters import BOOLEANS
from ...queries.sessions import sessions_for
from ...services.attachments import (
    ACCEPTED_TYPES,
    Download,
    content_disposition,
    download_attachment,
    open_thumbnail,
    upload_attachment,
    withdraw_attachment,
)
from .. import permissions
from ..base import signed_in_user
from ..docs import FORBIDDEN, NOT_FOUND, error
from ..negotiation import IgnoreFormatParameter
from ..pagination import IdCursorPagination
from ..parsers import AttachmentMultiPartParser, DepthLimitedJSONParser
from ..serializers.attachments import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    AttachmentWithdrawSerializer,
)

UPLOAD_INVALID = error(
    "Bad input; the fields at fault are named (a file whose content is not an accepted type)",
    "invalid",
    "Some fields are not valid.",
    file=[
        "This file is not a PDF, a JPEG, PNG or HEIC photo, a Word (.docx) or Excel (.xlsx) "
        "document, whatever its name says."
    ],
)
UPLOAD_TOO_LARGE = error(
    "The file is over ATTACHMENT_MAX_BYTES (20 MB by default)",
    "request_too_large",
    "The file is larger than the 20 MB this server accepts.",
    file=["This file is 25.3 MB; files of at most 20 MB are accepted."],
)
ATTACHMENT_EXAMPLE = OpenApiExample(
    "A photo of the damaged ceiling",
    response_only=True,
    value={
        "id": 7, "case": 12, "session": None, "agreement": None, "kind": "photo",
        "kind_label": "Photo", "description": "卫生间天花板渗水", "original_name": "IMG_2041.HEIC",
        "content_type": "image/heic", "size": 1843221, "sha256": "9f2c…",
        "uploaded_by": "mediator", "uploaded_at": "2026-03-09T16:20:00+08:00", "withdrawn": False,
        "withdrawn_at": None, "withdrawn_by": None, "withdraw_reason": "",
        "download_url": "https://tiaojie.example.gov.cn/api/v1/cases/12/attachments/7/download/",
        "thumbnail_url": "https://tiaojie.example.gov.cn/api/v1/cases/12/attachments/7/thumbnail/",
    },
)  # fmt: skip
WITHDRAWN_PARAMETER = OpenApiParameter(
    "withdrawn",
    OpenApiTypes.BOOL,
    OpenApiParameter.QUERY,
    required=False,
    description="`true`: withdrawn files too (they are hidden by default).",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat a POST safely: the same key and body replay the first answer.",
)
CONTENT_DISPOSITION = OpenApiParameter(
    "Content-Disposition",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description=(
        "`attachment; filename=\"IMG_2041.HEIC\"; filename*=UTF-8''IMG_2041.HEIC` (RFC 6266 and "
        "RFC 5987: the name as uploaded)"
    ),
)


def file_response(download: Download) -> FileResponse:
    """A file streamed to its owner: never cached by others, never sniffed into another type."""
    response = FileResponse(download.content, content_type=download.content_type)
    response["Content-Length"] = str(download.size)
    response["Content-Disposition"] = content_disposition(download.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# The ``attachments`` actions of ``CaseViewSet`` (see the module's docstring). No docstring: the
# schema would take it for the description of every case operation.
class CaseAttachmentsMixin:
    get_object: Any

    def _attachment(self, case: Case, aid: Any) -> Attachment:
        request: Request = getattr(self, "request")  # noqa: B009  (the view's, set by DRF)
        attachment = case_attachment(signed_in_user(request), case, aid)
        if attachment is None:
            raise NotFound(_("This case has no file with this id."))
        return attachment

    @extend_schema(
        methods=["GET"],
        summary="The case's files (evidence and attachments), newest first",
        description=(
            "Photos, scans of contracts and IOUs, the signed agreement, medical and police "
            "documents, each with its `download_url`. Whoever sees the case reads them. Withdrawn "
            "files are left out unless `?withdrawn=true`."
        ),
        parameters=[WITHDRAWN_PARAMETER],
        responses={200: AttachmentSerializer(many=True), 404: NOT_FOUND},
        examples=[ATTACHMENT_EXAMPLE],
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload a file to the case (multipart/form-data)",
        description=(
            "For the case's mediators, the directors over its handling centre and its intake "
            "officers (others who see the case: 403). The type is told from the content: PDF, "
            "JPEG, PNG, HEIC/HEIF, DOCX, XLSX; anything else is 400 naming `file`, whatever its "
            "name. Over `ATTACHMENT_MAX_BYTES` (20 MB by default): 413 naming `file`. `session` "
            "and `agreement` name the case's own. Needs no If-Match; writes one event (`kind` "
            "`attachment`, `name` `upload_attachment`). Images get a thumbnail."
        ),
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer,
            400: UPLOAD_INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            413: UPLOAD_TOO_LARGE,
        },
        parameters=[IDEMPOTENCY_KEY],
        examples=[ATTACHMENT_EXAMPLE],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="attachments",
        url_name="attachments",
        pagination_class=IdCursorPagination,
        filter_backends=[],
        parser_classes=[AttachmentMultiPartParser],
    )
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        user = signed_in_user(request)
        if request.method != "POST":
            permissions.require_files(user, case)
        if request.method == "POST":
            permissions.require(user, "attach", case, _("You may not add files to this case."))
            incoming = AttachmentUploadSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            data = dict(incoming.validated_data)
            session = agreement = None
            if data["session"] is not None:
                session = sessions_for(user).filter(case=case, pk=data["session"]).first()
                if session is None:
                    raise ValidationError(
                        {"session": [_("This case has no session with this id.")]}
                    )
            if data["agreement"] is not None:
                agreement = getattr(case, "agreement", None)
                if agreement is None or agreement.pk != data["agreement"]:
                    raise ValidationError({"agreement": [_("This is not this case's agreement.")]})
            attachment = upload_attachment(
                case=case,
                actor=user,
                file=data["file"],
                kind=data["kind"],
                description=data["description"],
                session=session,
                agreement=agreement,
            )
            body = AttachmentSerializer(
                self._attachment(case, attachment.pk), context={"request": request}
            ).data
            return Response(body, status=status.HTTP_201_CREATED)
        raw = request.query_params.get("withdrawn", "")
        withdrawn = BOOLEANS.get(raw.lower(), None) if raw else False
        if withdrawn is None:
            raise ValidationError({"withdrawn": [_("Enter true or false.")]})
        paginator = IdCursorPagination()
        paginator.ordering = "-id"
        page = paginator.paginate_queryset(
            case_attachments(user, case, withdrawn=withdrawn),
            request,
            view=self,  # type: ignore[arg-type]
        )
        serialized = AttachmentSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(serialized)

    @extend_schema(
        summary="Download one of the case's files",
        description=(
            "The file as uploaded, sent as `Content-Disposition: attachment` under its name, "
            "`X-Content-Type-Options: nosniff`, `Cache-Control: private, no-store`. Whoever sees "
            "the case may download; each download writes an event (`name` "
            "`download_attachment`). Withdrawn files too (they stay in the record). A file "
            "deleted when the case was anonymised after its retention period: 410 "
            "`file_removed` (its record, `removed_at`, stays)."
        ),
        parameters=[CONTENT_DISPOSITION],
        responses={
            **{
                (200, mime): OpenApiResponse(
                    OpenApiTypes.BINARY, description="The file, in its detected type"
                )
                for mime in ACCEPTED_TYPES
            },
            404: NOT_FOUND,
            410: error(
                "The file was deleted when the case was anonymised",
                "file_removed",
                FileRemoved.default_message,
            ),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<aid>[0-9]+)/download",
        url_name="attachment-download",
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=IgnoreFormatParameter,
    )
    def attachment_download(
        self, request: Request, pk: str | None = None, aid: str = ""
    ) -> HttpResponseBase:
        case = self.get_object()
        permissions.require_files(signed_in_user(request), case)
        attachment = self._attachment(case, aid)
        return file_response(
            download_attachment(attachment=attachment, actor=signed_in_user(request))
        )

    @extend_schema(
        summary="A file's thumbnail (JPEG, images only)",
        description="At most 320 px, turned upright. Not logged. A file without one: 404.",
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="JPEG"),
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<aid>[0-9]+)/thumbnail",
        url_name="attachment-thumbnail",
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=IgnoreFormatParameter,
    )
    def attachment_thumbnail(
        self, request: Request, pk: str | None = None, aid: str = ""
    ) -> HttpResponseBase:
        case = self.get_object()
        permissions.require_files(signed_in_user(request), case)
        attachment = self._attachment(case, aid)
        content = open_thumbnail(attachment=attachment, actor=signed_in_user(request))
        if content is None:
            raise NotFound(_("This file has no thumbnail."))
        response = FileResponse(content, content_type="image/jpeg")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        summary="Withdraw a file put up by mistake",
        description=(
            "Needs a `reason`. The file stays in the record (its row, its content, its events), "
            "hidden from the default list; a file is withdrawn once (again: 400). Who may upload "
            "may withdraw. Writes one event (`name` `withdraw_attachment`)."
        ),
        request=AttachmentWithdrawSerializer,
        responses={200: AttachmentSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"attachments/(?P<aid>[0-9]+)/withdraw",
        url_name="attachment-withdraw",
        filter_backends=[],
        pagination_class=None,
        parser_classes=[DepthLimitedJSONParser],
    )
    def attachment_withdraw(
        self, request: Request, pk: str | None = None, aid: str = ""
    ) -> Response:
        case = self.get_object()
        user = signed_in_user(request)
        attachment = self._attachment(case, aid)
        permissions.require(user, "attach", case, _("You may not withdraw files of this case."))
        incoming = AttachmentWithdrawSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        withdraw_attachment(
            attachment=attachment, actor=user, reason=incoming.validated_data["reason"]
        )
        attachment = self._attachment(case, aid)
        return Response(AttachmentSerializer(attachment, context={"request": request}).data)


__all__ = ["CaseAttachmentsMixin"]
