"""The case, its parties, and the counter that numbers cases per centre and year."""

from datetime import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .identities import DocumentType, Ethnicity, Gender


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_MEDIATION = "in_mediation", _("In mediation")
    SUSPENDED = "suspended", _("Suspended")
    PENDING_TRANSFER = "pending_transfer", _("Pending transfer")
    RESOLVED = "resolved", _("Resolved")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(
    {
        Status.REGISTERED,
        Status.ACCEPTED,
        Status.IN_MEDIATION,
        Status.SUSPENDED,
        Status.PENDING_TRANSFER,
    }
)
CONCLUDED_STATUSES = frozenset({Status.RESOLVED, Status.FAILED, Status.WITHDRAWN})


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE = "hotline", _("Phone / 12345 hotline")
    GRID = "grid", _("Grid report")
    POLICE = "police", _("Police referral")
    PETITION = "petition", _("Petition office")
    COURT_ENTRUSTED = "court_entrusted", _("Court entrusted")
    DEPARTMENT_TRANSFER = "department_transfer", _("Department transfer")
    ONLINE = "online", _("Online application")


class RiskLevel(models.TextChoices):
    NORMAL = "normal", _("Normal")
    ATTENTION = "attention", _("Attention")
    HIGH = "high", _("High")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class FailGuidance(models.TextChoices):
    LITIGATION = "litigation", _("Litigation")
    ARBITRATION = "arbitration", _("Arbitration")
    ADMINISTRATIVE = "administrative", _("Administrative channel")
    OTHER = "other", _("Other")


class Case(models.Model):
    """One dispute, from registration to closing. One record and one number for its whole life.

    Only ``cases.services`` and ``cases.workflow`` write a case; ``status`` changes only through
    ``cases.workflow.transition``. ``version`` increases with every change (optimistic locking),
    and ``updated_at`` is the time of the change that made it.
    """

    number = models.CharField(_("case number"), max_length=32, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    sequence = models.PositiveIntegerField(_("sequence"), editable=False)
    registering_centre = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("registering centre"),
        on_delete=models.PROTECT,
        related_name="registered_cases",
    )
    centre = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("handling centre"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    transfer_target = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("transfer pending to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_cases",
        editable=False,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices)
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    risk_level = models.CharField(
        _("risk level"), max_length=12, choices=RiskLevel.choices, default=RiskLevel.NORMAL
    )
    summary = models.CharField(_("summary"), max_length=200)
    facts = models.TextField(_("facts"), blank=True)
    amount_in_dispute = models.DecimalField(
        _("amount in dispute (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    location = models.CharField(_("location"), max_length=255, blank=True)

    lead_mediator = models.ForeignKey(
        "cases.Mediator",
        verbose_name=_("lead mediator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_cases",
    )
    co_mediators = models.ManyToManyField(
        "cases.Mediator", verbose_name=_("co-mediators"), blank=True, related_name="co_cases"
    )

    # Court entrustment (诉前委派调解).
    entrusting_court = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("entrusting court"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entrusted_cases",
    )
    court_case_number = models.CharField(_("court case number"), max_length=64, blank=True)
    entrusted_on = models.DateField(_("entrusted on"), null=True, blank=True)

    # The dates of each step.
    registered_at = models.DateTimeField(_("registered at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    acceptance_due_at = models.DateTimeField(_("acceptance decision due"), null=True, blank=True)
    due_at = models.DateTimeField(_("mediation due"), null=True, blank=True)

    # A director's one extension of the running deadline (DESIGN §4; cases.workflow "extend").
    extended_at = models.DateTimeField(_("deadline extended at"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("extension (days)"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)

    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    fail_guidance = models.CharField(
        _("guidance given"), max_length=16, choices=FailGuidance.choices, blank=True
    )
    outcome_note = models.TextField(_("outcome note"), blank=True)

    # Retention (issue 22): a legal hold keeps the case's personal data past its retention period;
    # set and released by a director or an administrator (cases.services.retention).
    legal_hold = models.BooleanField(_("legal hold"), default=False, editable=False)
    legal_hold_reason = models.TextField(_("reason for the legal hold"), blank=True, editable=False)
    # When its parties, notes and files were anonymised (cases.services.anonymisation).
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # When the case reached its current version: the ``at`` of the change that made it (intake,
    # an edit, a transition), written with ``version`` by every writer. The API's change feed
    # (``GET /api/v1/cases/?updated_after=``) is ordered by it, then by id.
    updated_at = models.DateTimeField(_("updated at"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registering_centre", "year", "sequence"],
                name="case_number_per_centre_year",
            ),
            models.CheckConstraint(
                condition=models.Q(sequence__gte=1),
                name="case_sequence_positive",
                violation_error_message=_("Case sequence numbers start at 1."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount_in_dispute__isnull=True)
                | models.Q(amount_in_dispute__gte=0),
                name="case_amount_not_negative",
                violation_error_message=_("The amount in dispute cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending_transfer", transfer_target__isnull=False)
                | (~models.Q(status="pending_transfer") & models.Q(transfer_target__isnull=True)),
                name="case_transfer_target_iff_pending",
                violation_error_message=_(
                    "A case has a transfer target exactly while a transfer is pending."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["resolved", "failed", "withdrawn"], outcome=models.F("status")
                )
                | (
                    models.Q(status__in=sorted([*OPEN_STATUSES, Status.DECLINED]))
                    & models.Q(outcome="")
                )
                | (models.Q(status="closed") & ~models.Q(outcome="")),
                name="case_outcome_matches_status",
                violation_error_message=_("The outcome must match the case's status."),
            ),
            models.CheckConstraint(
                condition=~models.Q(channel="court_entrusted")
                | models.Q(entrusting_court__isnull=False),
                name="case_court_entrusted_has_court",
                violation_error_message=_("A court-entrusted case needs the entrusting court."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    extended_at__isnull=True, extension_days__isnull=True, extension_reason=""
                )
                | (
                    models.Q(extended_at__isnull=False, extension_days__gte=1)
                    & ~models.Q(extension_reason="")
                ),
                name="case_extension_complete",
                violation_error_message=_(
                    "An extension records when it was made, its days and its reason together."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["centre", "status"], name="case_centre_status"),
            models.Index(fields=["centre", "-registered_at"], name="case_centre_registered"),
            models.Index(fields=["lead_mediator", "status"], name="case_lead_status"),
            models.Index(fields=["transfer_target"], name="case_transfer_target"),
            models.Index(fields=["entrusting_court"], name="case_entrusting_court"),
            models.Index(fields=["status", "due_at"], name="case_status_due"),
            # The change feed's order and its cursor: a page is one range of this index.
            models.Index(fields=["updated_at", "id"], name="case_updated"),
            # A search by the number's sequence alone ("96号") within the user's centres.
            models.Index(fields=["sequence", "registering_centre"], name="case_sequence_centre"),
            # The daily retention run: closed cases not yet anonymised, oldest closing first.
            models.Index(
                fields=["closed_at"],
                name="case_retention_due",
                condition=models.Q(closed_at__isnull=False, anonymised_at__isnull=True),
            ),
            # The list's default order (newest first) as ``order_case_list`` writes it, and a range
            # of registration dates across every centre (the city's export of a month): the ids an
            # export reads first come from this index, in order, without sorting the matches.
            # PostgreSQL only (migration 0028: SQLite takes no NULLS LAST in an index).
            models.Index(
                models.F("registered_at").desc(nulls_last=True),
                models.F("id").desc(),
                name="case_registered_order",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def running_deadline(self) -> datetime | None:
        """The deadline whose clock runs now: the acceptance decision while registered, the
        mediation deadline while accepted or in mediation (or pending transfer); none while
        suspended (the clock is paused) or once concluded."""
        if self.status == Status.REGISTERED:
            return self.acceptance_due_at
        if self.status in {Status.ACCEPTED, Status.IN_MEDIATION, Status.PENDING_TRANSFER}:
            # The statuses of cases.deadlines.MEDIATION_CLOCK_STATUSES (overdue_q, for querysets).
            return self.due_at
        return None

    @property
    def number_zh(self) -> str:
        """The Chinese document form, e.g. （2026）江岸调字第123号."""
        centre = self.registering_centre
        short = centre.abbreviation_zh or centre.name_zh
        return f"（{self.year}）{short}调字第{self.sequence}号"


class CaseNumberCounter(models.Model):
    """The last sequence number issued per registering centre and year.

    Intake adds one to this row in one upsert, which keeps it locked to the end of the transaction,
    so numbers are unique and gap-free under concurrent intake: a rolled-back intake rolls back
    its increment too.
    """

    centre = models.ForeignKey("cases.Centre", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [
            models.UniqueConstraint(fields=["centre", "year"], name="case_counter_per_centre_year"),
        ]

    def __str__(self) -> str:
        return f"{self.centre_id}/{self.year}: {self.last}"


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    THIRD_PARTY = "third_party", _("Third party")


class PartyKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Party(models.Model):
    """A party to a case. ID number and phone are personal data (DESIGN §6).

    Each is stored three ways, all written by ``cases.personal_data.seal``: the ciphertext (with
    its key id), a keyed hash for equality search, and the masked form shown everywhere; the
    phone's last four digits have a keyed hash of their own. The clear
    value is never stored and never held on this model.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="parties"
    )
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    kind = models.CharField(
        _("kind"), max_length=12, choices=PartyKind.choices, default=PartyKind.PERSON
    )
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=255, blank=True)
    agent = models.CharField(_("agent"), max_length=120, blank=True)

    # A person's identity (the 调解协议书 states it in full); an organisation's representative.
    document_type = models.CharField(
        _("ID document type"),
        max_length=20,
        choices=DocumentType.choices,
        blank=True,
        help_text=_("The document the ID number belongs to; empty when there is no ID number."),
    )
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(
        _("ethnicity"), max_length=2, choices=Ethnicity.choices, blank=True
    )
    birth_date = models.DateField(
        _("date of birth"),
        null=True,
        blank=True,
        help_text=_("Taken from a resident ID number when there is one."),
    )
    legal_representative = models.CharField(
        _("legal representative"),
        max_length=120,
        blank=True,
        help_text=_("For an organisation: the person who represents it in law."),
    )

    id_number_encrypted = models.TextField(editable=False, blank=True)
    id_number_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=40, editable=False, blank=True)
    phone_encrypted = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=24, editable=False, blank=True)
    # The keyed hash of the phone's last four digits ("尾号4803"); filled for parties registered
    # before it existed by ``manage.py backfill_phone_tails``.
    phone_tail_hash = models.CharField(
        max_length=64, editable=False, blank=True, default="", db_index=True
    )

    # Consent to text messages (session reminders by SMS), as recorded at the window: no
    # message is sent without it. Who recorded it and when (cleared with the consent).
    sms_consent = models.BooleanField(
        _("agrees to SMS reminders"),
        default=False,
        help_text=_("The party agreed to be reminded of sessions by text message."),
    )
    sms_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("SMS consent recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    sms_consent_at = models.DateTimeField(
        _("SMS consent recorded at"), null=True, blank=True, editable=False
    )

    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["case", "position", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"
