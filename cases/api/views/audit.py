"""The audit trail (``GET /api/v1/audit/``): administrators every record, directors the records of
the subtrees they direct, anyone else 403; the audit page's filters (``cases.queries.audit``)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from ...access import can_read_audit
from ...queries.audit import AuditFilter, audit_records_for
from ..base import ScopedViewSet, signed_in_user
from ..docs import error
from ..serializers.audit import AuditRecordSerializer

AUDIT_EXAMPLE = OpenApiExample(
    "A reveal",
    response_only=True,
    value={
        "id": 812, "created_at": "2026-03-11T09:05:00+08:00", "actor": 7,
        "actor_name": "director_ja", "action": "reveal", "action_label": "Personal data revealed",
        "centre": 3, "centre_code": "JA", "case": 1204, "case_number": "JA01-2026-00042",
        "target": "cases.party:3310", "ip_address": "10.1.2.3",
        "details": {"party": 3310, "role": "applicant", "id_number": "420***********1234",
                    "phone": "138****5678"},
    },
)  # fmt: skip

NOT_A_READER = error(
    "Neither an administrator nor a centre director",
    "permission_denied",
    "Only administrators and centre directors read the audit trail.",
)


@extend_schema_view(
    list=extend_schema(
        summary="The audit trail, newest first (administrators; directors: their subtrees)",
        description=(
            "Sign-ins (succeeded, failed, locked out), sign-outs, API tokens issued and revoked, "
            "changes to users, memberships, centres, categories and deadline settings (before "
            "and after, changed fields only), downloads, report downloads, reveals and exports, "
            "personal data masked. A director reads the records filed under a centre of the "
            "subtrees they direct. Filters: `action` (one or more), `actor` (a user name), "
            "`centre` (+ `subtree=true`), `case_number`, `date_from` and `date_to` (days in "
            "the centres' time zone, both included). See docs/api.md, “Audit trail”."
        ),
        responses={200: AuditRecordSerializer(many=True), 403: NOT_A_READER},
        examples=[AUDIT_EXAMPLE],
    ),
)
class AuditRecordViewSet(mixins.ListModelMixin, ScopedViewSet):
    scope = staticmethod(audit_records_for)
    serializer_class = AuditRecordSerializer
    filterset_class = AuditFilter
    ordering_fields = ["id"]
    ordering = ["-id"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not can_read_audit(signed_in_user(request)):
            raise PermissionDenied(
                _("Only administrators and centre directors read the audit trail.")
            )
        return super().list(request, *args, **kwargs)
