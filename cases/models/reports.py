"""Monthly reports: the counters they read (rollups) and the snapshots the month-end run keeps.

How the counters are kept, and why a report never reads cases, is in docs/reports.md.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    """What a rollup row is broken down by; ``total`` is the row of all values together."""

    TOTAL = "total", _("Total")
    CATEGORY = "category", _("Category")
    CHANNEL = "channel", _("Channel")
    RISK_LEVEL = "risk_level", _("Risk level")
    MEDIATOR = "mediator", _("Mediator")
    # The level of the centre where it happened (only on subtree rows): the level-resolution share.
    LEVEL = "level", _("Centre level")


class ReportScope(models.TextChoices):
    SUBTREE = "subtree", _("The centre and every centre below it")
    CENTRE = "centre", _("The centre alone")


# The counted measures of a rollup row, in the order of DESIGN §5. The three stocks (``open``,
# ``overdue``, ``high_risk_open``) are month-end positions: see ``Rollup``.
FLOW_MEASURES = (
    "received",
    "accepted",
    "declined",
    "transferred_in",
    "transferred_out",
    "resolved",
    "failed",
    "withdrawn",
    "agreements_due",
    "agreements_fulfilled",
    "judicial_confirmations_applied",
    "judicial_confirmations_confirmed",
    "follow_ups_done",
    "satisfaction_sum",
    "satisfaction_count",
)
AMOUNT_MEASURES = ("amount_in_dispute", "amount_agreed")
STOCK_MEASURES = ("open", "overdue", "high_risk_open")
MEASURES = FLOW_MEASURES + AMOUNT_MEASURES + STOCK_MEASURES


def _count(verbose_name: Any) -> models.IntegerField:
    return models.IntegerField(verbose_name, default=0, db_default=0)


def _amount(verbose_name: Any) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=18, decimal_places=2, default=0, db_default=0
    )


class Rollup(models.Model):
    """What happened in one month at one centre (``subtree`` False) or anywhere in its subtree
    (``subtree`` True), in total or for one value of one dimension.

    Written only by ``cases.reports.rollups`` (in the transaction of the change that moves it, or
    by ``rebuild_rollups``). Flow measures count what happened in the month. The stocks are kept as
    changes: a row's stock is the change in the month, and every month up to
    ``RollupState.stocks_through`` also has the earlier months added in ("rolled"), so the
    position at a month's end is one row, not a sum over the years.
    """

    centre = models.ForeignKey(
        "cases.Centre", verbose_name=_("centre"), on_delete=models.CASCADE, related_name="+"
    )
    subtree = models.BooleanField(_("whole subtree"))
    month = models.DateField(_("month"))
    dimension = models.CharField(_("dimension"), max_length=12, choices=Dimension.choices)
    value = models.CharField(_("value"), max_length=32, blank=True)

    received = _count(_("received"))
    accepted = _count(_("accepted"))
    declined = _count(_("declined"))
    transferred_in = _count(_("transferred in"))
    transferred_out = _count(_("transferred out"))
    resolved = _count(_("resolved"))
    failed = _count(_("failed"))
    withdrawn = _count(_("withdrawn"))
    agreements_due = _count(_("agreements due"))
    agreements_fulfilled = _count(_("agreements fulfilled"))
    judicial_confirmations_applied = _count(_("judicial confirmations applied"))
    judicial_confirmations_confirmed = _count(_("judicial confirmations confirmed"))
    follow_ups_done = _count(_("follow-ups done"))
    satisfaction_sum = _count(_("sum of satisfaction scores"))
    satisfaction_count = _count(_("satisfaction scores"))
    amount_in_dispute = _amount(_("amount in dispute"))
    amount_agreed = _amount(_("amount agreed"))
    open = _count(_("open"))
    overdue = _count(_("overdue"))
    high_risk_open = _count(_("high-risk open"))

    class Meta:
        verbose_name = _("report counter")
        verbose_name_plural = _("report counters")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "subtree", "month", "dimension", "value"],
                name="rollup_key",
            ),
        ]
        indexes = [models.Index(fields=["month", "subtree"], name="rollup_month")]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.month:%Y-%m} {self.dimension}={self.value}"


class DurationBucket(models.Model):
    """How many cases concluded in the month took ``tenths`` tenths of a day from registration to
    conclusion: the histogram the exact nearest-rank median and 90th percentile are read from."""

    centre = models.ForeignKey(
        "cases.Centre", verbose_name=_("centre"), on_delete=models.CASCADE, related_name="+"
    )
    subtree = models.BooleanField(_("whole subtree"))
    month = models.DateField(_("month"))
    tenths = models.IntegerField(_("tenths of a day"))
    count = models.IntegerField(_("cases"), default=0)

    class Meta:
        verbose_name = _("duration bucket")
        verbose_name_plural = _("duration buckets")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "subtree", "month", "tenths"], name="duration_bucket_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.month:%Y-%m} {self.tenths / 10} d: {self.count}"


class RollupState(models.Model):
    """One row: the last month whose stock counters hold their month-end position (rolled)."""

    stocks_through = models.DateField(_("stocks rolled through"), null=True, blank=True)

    class Meta:
        verbose_name = _("report counter state")
        verbose_name_plural = _("report counter state")

    def __str__(self) -> str:
        return f"stocks through {self.stocks_through}"


class ReportRun(models.Model):
    """One generation of every centre's report for a month: the schedule's, or a regeneration.

    Each run is a new version; its snapshots are written once per centre, whatever retries or
    restarted workers do.
    """

    month = models.DateField(_("month"))
    version = models.PositiveIntegerField(_("version"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    centres = models.PositiveIntegerField(_("centres"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["month", "version"], name="report_run_version"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} v{self.version}"


class SnapshotImmutable(Exception):
    """An attempt to change or delete a report snapshot: what was reported stays as it was."""


# The fields of a snapshot written after it: when its directors' e-mail was queued, and sent.
SNAPSHOT_STAMPS = frozenset({"email_queued_at", "emailed_at"})


class ReportSnapshotQuerySet(models.QuerySet["ReportSnapshot"]):
    def update(self, **kwargs: Any) -> int:
        if set(kwargs) - SNAPSHOT_STAMPS:
            raise SnapshotImmutable(_("A report snapshot cannot be changed."))
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise SnapshotImmutable(_("A report snapshot cannot be deleted."))


class ReportSnapshot(models.Model):
    """A centre's monthly report (its subtree) as generated by a run. Never changed afterwards:
    saving an existing snapshot may only stamp ``email_queued_at`` and ``emailed_at``, and nothing
    deletes one (the model and its queryset refuse, the admin shows them read-only)."""

    run = models.ForeignKey(
        ReportRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="snapshots"
    )
    centre = models.ForeignKey(
        "cases.Centre", verbose_name=_("centre"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    version = models.PositiveIntegerField(_("version"))
    generated_at = models.DateTimeField(_("generated at"))
    data = models.JSONField(_("report"))
    email_queued_at = models.DateTimeField(_("e-mail queued at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = ReportSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("report snapshot")
        verbose_name_plural = _("report snapshots")
        ordering = ["-month", "centre", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["run", "centre"], name="report_snapshot_once_per_run"),
        ]
        indexes = [
            models.Index(fields=["centre", "month", "version"], name="report_snapshot_centre")
        ]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.month:%Y-%m} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (
            update_fields is None or set(update_fields) - SNAPSHOT_STAMPS
        ):
            raise SnapshotImmutable(_("A report snapshot cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SnapshotImmutable(_("A report snapshot cannot be deleted."))
