from .agreements import Agreement, AgreementForm, Fulfilment, JudicialConfirmation
from .attachments import Attachment, AttachmentKind
from .audit import AuditAction, AuditRecord
from .cases import (
    CONCLUDED_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseNumberCounter,
    Channel,
    FailGuidance,
    Outcome,
    Party,
    PartyKind,
    PartyRole,
    RiskLevel,
    Status,
)
from .categories import Category
from .centres import Centre, CentreKind, CentreLevel, Membership, Role
from .events import Event, EventKind, PrintedDocument
from .exports import Export, ExportFormat, ExportStatus
from .filters import SavedFilter
from .follow_ups import ContactMethod, FollowUp
from .idempotency import IdempotencyKey
from .identities import DocumentType, Ethnicity, Gender
from .notes import Note, NoteKind
from .notifications import Notification, NotificationKind
from .people import Mediator, MediatorKind, display_name, user_display_name
from .policies import DeadlinePolicy, WorkingDayOverride
from .preferences import DEFAULT_DELIVERY, Delivery, DigestItem, UserSettings
from .reports import (
    Dimension,
    DurationBucket,
    ReportRun,
    ReportScope,
    ReportSnapshot,
    Rollup,
    RollupState,
)
from .retention import RetentionRule
from .search import CaseSearch
from .searches import SavedSearch
from .sessions import Room, Session, SessionMediator, SessionMode, SessionStatus
from .subject_requests import SubjectRequest, SubjectRequestKind, SubjectRequestStatus
from .transfers import Transfer, TransferDirection, TransferStatus
from .warnings import EarlyWarning, WarningRule, WarningStatus, WarningThreshold

__all__ = [
    "CONCLUDED_STATUSES",
    "DEFAULT_DELIVERY",
    "OPEN_STATUSES",
    "Agreement",
    "AgreementForm",
    "Attachment",
    "AttachmentKind",
    "AuditAction",
    "AuditRecord",
    "Case",
    "CaseNumberCounter",
    "CaseSearch",
    "Category",
    "Centre",
    "CentreKind",
    "CentreLevel",
    "Channel",
    "ContactMethod",
    "DeadlinePolicy",
    "Delivery",
    "DigestItem",
    "Dimension",
    "DocumentType",
    "DurationBucket",
    "EarlyWarning",
    "Ethnicity",
    "Event",
    "EventKind",
    "Export",
    "ExportFormat",
    "ExportStatus",
    "FailGuidance",
    "FollowUp",
    "Fulfilment",
    "Gender",
    "IdempotencyKey",
    "JudicialConfirmation",
    "Mediator",
    "MediatorKind",
    "Membership",
    "Note",
    "NoteKind",
    "Notification",
    "NotificationKind",
    "Outcome",
    "Party",
    "PartyKind",
    "PartyRole",
    "PrintedDocument",
    "ReportRun",
    "ReportScope",
    "ReportSnapshot",
    "RetentionRule",
    "RiskLevel",
    "Role",
    "Rollup",
    "RollupState",
    "Room",
    "SavedFilter",
    "SavedSearch",
    "Session",
    "SessionMediator",
    "SessionMode",
    "SessionStatus",
    "Status",
    "SubjectRequest",
    "SubjectRequestKind",
    "SubjectRequestStatus",
    "Transfer",
    "TransferDirection",
    "TransferStatus",
    "UserSettings",
    "WarningRule",
    "WarningStatus",
    "WarningThreshold",
    "WorkingDayOverride",
    "display_name",
    "user_display_name",
]
