"""The Django admin: every model, for administrators only.

Who is an administrator is the scope rule's to say (``cases.access.scope_of(user).is_admin``: a
superuser, or a user with an ``administrator`` membership), not Django's ``is_staff`` flag and model
permissions: the site lets in no one else (the login page, never a row), and for an administrator
every ModelAdmin allows what it offers at all. A staff flag or a ``view`` permission given to a
mediator opens nothing (issue 15).

Cases change only through the workflow and services, so in the admin their status, number, parties'
personal data and timeline are read-only; centres are saved through ``cases.services.centres`` so the
tree's paths stay right, memberships through ``cases.services.users`` so they follow the API's rule
(a valid role at an active centre). ``tests/test_structure_writes.py`` lists what the other pages
write.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet, InlineForeignKeyField
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import working_days
from .access import scope_of
from .models import (
    Agreement,
    Attachment,
    AuditRecord,
    Case,
    CaseNumberCounter,
    CaseSearch,
    Category,
    Centre,
    DeadlinePolicy,
    DigestItem,
    DurationBucket,
    EarlyWarning,
    Event,
    Export,
    FollowUp,
    IdempotencyKey,
    Mediator,
    Membership,
    Note,
    Notification,
    Party,
    ReportRun,
    ReportSnapshot,
    RetentionRule,
    Rollup,
    RollupState,
    Room,
    SavedFilter,
    SavedSearch,
    Session,
    SessionMediator,
    SubjectRequest,
    Transfer,
    UserSettings,
    WarningThreshold,
    WorkingDayOverride,
)
from .models.people import user_display_name
from .services import users
from .services.centres import save_centre

MAX_INDENTED_DEPTH = 8  # deeper centres are indented as the eighth level (cases/admin.css)

# --- Administrators only ------------------------------------------------------------------------


def is_administrator(request: HttpRequest) -> bool:
    """May this request use the admin? Only an active administrator by the scope rule."""
    return scope_of(request.user).is_admin  # inactive and anonymous users have no scope


def signed_in_user(request: HttpRequest) -> User:
    """The user of an admin page: the admin site lets in no one but a signed-in administrator."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def person_column(field: str, label: Any) -> Any:
    """A list column showing the user in ``field`` by name in its own order, then the username:
    "刘小红 (ja01_intake)", "Anna Smith (asmith)"; the username alone when no name is set."""

    @admin.display(description=label, ordering=f"{field}__username")
    def column(obj: Any) -> str:
        user = getattr(obj, field)
        if user is None:
            return "—"
        name = user_display_name(user)
        return name if name == user.get_username() else f"{name} ({user.get_username()})"

    return column


class AdministratorPermissions(BaseModelAdmin):
    """Django's model permissions replaced by the scope rule: an administrator may do whatever the
    admin class offers, anybody else nothing (even if the site's gate were passed).

    A ModelAdmin or inline lists it after its Django base, so the class's own refusals (read-only
    rows) still apply and only the bottom check, ``user.has_perm``, is replaced.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)


class AdministratorsModelAdmin(admin.ModelAdmin, AdministratorPermissions):
    pass


class AdministratorsInline(admin.TabularInline, AdministratorPermissions):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An inline's takes the parent object too; the bottom check is the scope rule's.
        return super().has_add_permission(request, obj)


class AdministratorLoginForm(AdminAuthenticationForm):
    """The admin's login: the right password of an active administrator, nobody else's."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter the correct %(username)s and password of an administrator's account. "
            "Note that both fields may be case-sensitive."
        ),
    }

    def confirm_login_allowed(self, user: User) -> None:
        # Django's own check (active), then the scope rule's instead of the staff flag.
        AuthenticationForm.confirm_login_allowed(self, user)
        if not scope_of(user).is_admin:
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class AdministratorsSite(admin.AdminSite):
    """The admin site for administrators only: anyone else is sent to its login page."""

    login_form = AdministratorLoginForm
    site_header = _("Mediation case tracker")
    site_title = _("Mediation case tracker")
    index_title = _("Administration")

    def has_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)


# The default site, where every installed app has registered its models, becomes this one in place
# (as django-otp does for its OTPAdminSite): the rule stays beside the ModelAdmins it governs.
admin.site.__class__ = AdministratorsSite


class ReadOnlyInline(AdministratorsInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ViewOnlyAdmin(AdministratorsModelAdmin):
    """Rows that only the workflow and the services write (each change with its event):
    administrators can search and read them here, not change them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipForm(forms.ModelForm):
    """A membership as ``cases.services.users`` checks it: a valid role at an active centre."""

    class Meta:
        model = Membership
        fields = ["user", "centre", "role"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        centre, role = data.get("centre"), data.get("role")
        if centre is not None and role:
            for name, messages in users.membership_problems(centre=centre, role=role).items():
                # On a centre's page the centre is the page's own (a hidden field): the row's error.
                shown = name in self.fields and not isinstance(
                    self.fields[name], InlineForeignKeyField
                )
                for message in messages:
                    self.add_error(name if shown else None, message)
        return data


class MembershipsThroughService(admin.ModelAdmin):
    """A page with a membership inline saves those rows through ``cases.services.users``."""

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        saved = formset.save(commit=False)
        users.change_memberships(
            actor=signed_in_user(request), saved=saved, removed=formset.deleted_objects
        )


class MembershipInline(AdministratorsInline):
    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["user"]


class ChildCentreInline(ReadOnlyInline):
    model = Centre
    fk_name = "parent"
    readonly_fields = (
        "code",
        "name_zh",
        "level",
        "kind",
        "active",
    )
    fields = readonly_fields
    verbose_name_plural = _("child centres")


class DeadlinePolicyInline(AdministratorsInline):
    """The centre's own deadline settings; centres below inherit what they leave blank."""

    model = DeadlinePolicy
    extra = 0
    fields = [
        "channel",
        "acceptance_days",
        "high_risk_acceptance_days",
        "mediation_days",
        "court_entrusted_days",
        "follow_up_days",
    ]


class CentreForm(forms.ModelForm):
    class Meta:
        model = Centre
        fields = [
            "code", "name_zh", "name_en", "abbreviation_zh", "level", "kind", "field", "parent",
            "served_areas", "address", "timezone", "active",
        ]  # fmt: skip

    def clean_parent(self) -> Centre | None:
        parent = self.cleaned_data.get("parent")
        current = self.instance
        if parent is not None and current.pk and parent.is_within(current):
            raise forms.ValidationError(_("A centre cannot be moved below itself."))
        return parent


@admin.register(Centre)
class CentreAdmin(MembershipsThroughService, AdministratorsModelAdmin):
    form = CentreForm
    list_display = ["indented_name", "code", "level", "kind", "active"]
    list_filter = ["level", "kind", "active"]
    search_fields = ["code", "name_zh", "name_en", "path"]
    ordering = ["path"]
    autocomplete_fields = ["parent", "field", "served_areas"]
    readonly_fields = ["path", "depth", "ancestors"]
    list_per_page = 100
    inlines = [MembershipInline, DeadlinePolicyInline, ChildCentreInline]

    class Media:
        css = {"all": ["cases/admin.css"]}

    @admin.display(description=_("centre"), ordering="path")
    def indented_name(self, obj: Centre) -> str:
        # The tree, readable in a flat list: indent by depth, in path order. A class, not a style
        # attribute, which the Content-Security-Policy refuses (cases/admin.css).
        return format_html(
            '<span class="centre-depth-{}">{}{}</span>',
            min(obj.depth, MAX_INDENTED_DEPTH),
            "└ " if obj.depth > 1 else "",
            obj.name_zh,
        )

    @admin.display(description=_("ancestors"))
    def ancestors(self, obj: Centre) -> str:
        return " › ".join(obj.ancestor_codes())

    def save_model(self, request: HttpRequest, obj: Centre, form: Any, change: bool) -> None:
        save_centre(obj)  # the form checked the move; this keeps the subtree's paths right


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(AdministratorsModelAdmin):
    """Deadlines per centre and channel, inherited down the tree (docs/deadlines.md)."""

    list_display = [
        "centre",
        "channel",
        "acceptance_days",
        "high_risk_acceptance_days",
        "mediation_days",
        "court_entrusted_days",
        "follow_up_days",
    ]
    list_filter = ["channel"]
    search_fields = ["centre__code", "centre__name_zh", "centre__name_en"]
    autocomplete_fields = ["centre"]


@admin.register(RetentionRule)
class RetentionRuleAdmin(AdministratorsModelAdmin):
    """Years a closed case's personal data is kept, per centre and category, inherited down the
    tree (docs/personal-data.md, "Retention and anonymisation")."""

    list_display = ["centre", "category", "years"]
    list_filter = ["category"]
    search_fields = ["centre__code", "centre__name_zh", "centre__name_en"]
    autocomplete_fields = ["centre"]


@admin.register(WarningThreshold)
class WarningThresholdAdmin(AdministratorsModelAdmin):
    """The early-warning thresholds, per centre, inherited down the tree (docs/reports.md,
    "Early warnings"); a blank value is inherited from above, or the setting's default."""

    list_display = [
        "centre", "cluster_cases", "cluster_days", "group_applicants", "person_open_cases",
        "surge_factor_percent", "surge_minimum",
    ]  # fmt: skip
    search_fields = ["centre__code", "centre__name_zh", "centre__name_en"]
    autocomplete_fields = ["centre"]


@admin.register(EarlyWarning)
class EarlyWarningAdmin(ViewOnlyAdmin):
    """Early warnings: raised by the daily run, handled on the warning list (docs/reports.md)."""

    list_display = ["raised_at", "rule", "status", "centre", "assigned_to"]
    list_filter = ["rule", "status"]
    date_hierarchy = "raised_at"
    list_select_related = ["centre", "assigned_to"]
    search_fields = ["centre__code", "subject"]
    readonly_fields = [
        "centre", "rule", "data", "status", "raised_at", "updated_at", "acted_by", "acted_at",
        "assigned_to", "dismissal_reason",
    ]  # fmt: skip
    exclude = ["cases"]


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(AdministratorsModelAdmin):
    """City-wide corrections to the official calendar of working days (docs/deadlines.md)."""

    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    search_fields = ["note"]
    date_hierarchy = "date"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        for year in working_days.years_missing(timezone.localdate()):
            self.message_user(
                request,
                _(
                    "The official calendar of working days for %(year)s is missing: deadlines in "
                    "working days count only weekends as days off in %(year)s. Upgrade the "
                    "chinesecalendar package, or enter the year's public holidays and adjusted "
                    "working days here."
                )
                % {"year": year},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


@admin.register(Membership)
class MembershipAdmin(AdministratorsModelAdmin):
    list_display = [
        person_column("user", Membership._meta.get_field("user").verbose_name),
        "role",
        "centre",
        "created_at",
    ]
    list_filter = ["role", "centre__level"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "centre__code",
        "centre__name_zh",
    ]
    autocomplete_fields = ["user", "centre"]
    list_select_related = ["user", "centre"]
    form = MembershipForm

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        users.change_memberships(actor=signed_in_user(request), saved=[obj])

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        users.change_memberships(actor=signed_in_user(request), removed=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        users.change_memberships(actor=signed_in_user(request), removed=list(queryset))


@admin.register(Category)
class CategoryAdmin(AdministratorsModelAdmin):
    list_display = ["__str__", "code", "name_en", "position", "active"]
    list_filter = ["active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["parent"]
    ordering = ["parent__position", "position"]


@admin.register(Mediator)
class MediatorAdmin(AdministratorsModelAdmin):
    list_display = ["name", "kind", "home_centre", "capacity", "active", "user"]
    list_filter = ["kind", "active", "home_centre__level"]
    search_fields = ["name", "home_centre__code", "home_centre__name_zh", "user__username"]
    autocomplete_fields = ["user", "home_centre", "seats"]
    filter_horizontal = ["specialties"]
    list_select_related = ["home_centre", "user"]


@admin.register(Room)
class RoomAdmin(AdministratorsModelAdmin):
    list_display = ["name", "centre", "active"]
    search_fields = ["name", "centre__code", "centre__name_zh"]
    autocomplete_fields = ["centre"]
    list_select_related = ["centre"]


class PartyInline(ReadOnlyInline):
    model = Party
    readonly_fields = (
        "role",
        "kind",
        "name",
        "id_number_masked",
        "phone_masked",
        "address",
        "agent",
    )
    fields = readonly_fields


class EventInline(ReadOnlyInline):
    model = Event
    readonly_fields = (
        "at",
        "actor",
        "kind",
        "name",
        "before",
        "after",
    )
    fields = readonly_fields
    show_change_link = False
    ordering = ["at", "id"]


class TransferInline(ReadOnlyInline):
    model = Transfer
    fk_name = "case"
    readonly_fields = (
        "requested_at",
        "from_centre",
        "to_centre",
        "direction",
        "status",
        "reason",
        "return_reason",
    )
    fields = readonly_fields


class SessionInline(ReadOnlyInline):
    model = Session
    readonly_fields = (
        "starts_at",
        "ends_at",
        "room",
        "mode",
        "status",
        "result",
    )
    fields = readonly_fields


@admin.register(Case)
class CaseAdmin(ViewOnlyAdmin):
    """Read-only: a case changes only through the workflow, the services and their events."""

    list_display = [
        "number",
        "summary",
        "status",
        "centre",
        "category",
        "channel",
        "risk_level",
        "registered_at",
    ]
    list_filter = [
        "status",
        "channel",
        "risk_level",
        "centre__level",
        ("category", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["number", "summary", "parties__name", "centre__code", "centre__name_zh"]
    date_hierarchy = "registered_at"
    list_select_related = ["centre", "category", "category__parent"]
    show_full_result_count = False
    inlines = [PartyInline, SessionInline, TransferInline, EventInline]

    readonly_fields = ["number_zh"]

    @admin.display(description=_("number (Chinese form)"))
    def number_zh(self, obj: Case) -> str:
        return obj.number_zh


@admin.register(Party)
class PartyAdmin(ViewOnlyAdmin):
    list_display = ["name", "role", "kind", "id_number_masked", "phone_masked", "case"]
    list_filter = ["role", "kind"]
    search_fields = ["name", "case__number"]
    list_select_related = ["case"]


@admin.register(AuditRecord)
class AuditRecordAdmin(ViewOnlyAdmin):
    """The audit trail, append-only: read here, never changed or deleted."""

    list_display = ["created_at", "actor_name", "action", "centre", "target"]
    list_filter = ["action"]
    search_fields = ["actor_name", "target"]
    date_hierarchy = "created_at"
    list_select_related = ["centre"]
    readonly_fields = [
        "actor",
        "actor_name",
        "action",
        "details",
        "centre",
        "case",
        "target",
        "ip_address",
        "created_at",
    ]


@admin.register(SubjectRequest)
class SubjectRequestAdmin(ViewOnlyAdmin):
    """Requests from the people concerned: read here, made and decided on the web and the API
    (docs/personal-data.md), each request and decision an audit record."""

    list_display = ["requested_at", "kind", "status", "id_number_masked", "phone_masked", "centre"]
    list_filter = ["kind", "status"]
    date_hierarchy = "requested_at"
    list_select_related = ["centre"]
    readonly_fields = [
        "kind",
        "status",
        "id_number_masked",
        "phone_masked",
        "reason",
        "centre",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_reason",
        "used_at",
        "result",
    ]


@admin.register(Export)
class ExportAdmin(ViewOnlyAdmin):
    """Background exports: their state, not their filter's search text (kept encrypted)."""

    list_display = ["created_at", "user", "format", "status", "rows_done", "rows_total"]
    list_filter = ["format", "status"]
    search_fields = ["user__username"]
    exclude = ["query_encrypted"]
    list_select_related = ["user"]


@admin.register(Session)
class SessionAdmin(ViewOnlyAdmin):
    list_display = ["case", "starts_at", "ends_at", "room", "mode", "status"]
    list_filter = ["mode", "status"]
    search_fields = ["case__number", "room__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["case", "room"]


@admin.register(SessionMediator)
class SessionMediatorAdmin(ViewOnlyAdmin):
    list_display = ["mediator", "starts_at", "ends_at", "cancelled", "session"]
    list_filter = ["cancelled"]
    search_fields = ["mediator__name", "session__case__number"]
    list_select_related = ["mediator", "session__case"]


@admin.register(Agreement)
class AgreementAdmin(ViewOnlyAdmin):
    list_display = [
        "case",
        "amount_agreed",
        "performance_deadline",
        "fulfilment",
        "judicial_confirmation",
    ]
    list_filter = ["fulfilment", "judicial_confirmation", "form"]
    search_fields = ["case__number", "terms", "ruling_number"]
    list_select_related = ["case"]


@admin.register(Transfer)
class TransferAdmin(ViewOnlyAdmin):
    list_display = [
        "case",
        "from_centre",
        "to_centre",
        "direction",
        "status",
        "automatic",
        "requested_at",
    ]
    list_filter = ["status", "direction", "automatic"]
    search_fields = ["case__number", "from_centre__code", "to_centre__code"]
    list_select_related = ["case", "from_centre", "to_centre"]


@admin.register(FollowUp)
class FollowUpAdmin(ViewOnlyAdmin):
    list_display = ["case", "due_on", "done_at", "contact_method", "fulfilment", "satisfaction"]
    list_filter = ["contact_method", "fulfilment", "satisfaction"]
    search_fields = ["case__number"]
    date_hierarchy = "due_on"
    list_select_related = ["case"]


@admin.register(Event)
class EventAdmin(ViewOnlyAdmin):
    """The audit trail: append-only, so read-only here."""

    list_display = [
        "at",
        "case",
        "kind",
        "name",
        person_column("actor", Event._meta.get_field("actor").verbose_name),
        "centre",
    ]
    list_filter = ["kind", "name"]
    search_fields = ["case__number", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["case", "actor", "centre"]
    show_full_result_count = False


@admin.register(Note)
class NoteAdmin(ViewOnlyAdmin):
    """Case notes: written through ``cases.services.notes`` (a correction is a new note), so
    read-only here."""

    list_display = [
        "written_at",
        "case",
        "kind",
        "happened_on",
        person_column("author", Note._meta.get_field("author").verbose_name),
    ]
    list_filter = ["kind"]
    search_fields = ["case__number", "author__username"]
    date_hierarchy = "written_at"
    list_select_related = ["case", "author"]
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ViewOnlyAdmin):
    """Files on cases: added and withdrawn through ``cases.services.attachments`` (each with its
    event), downloaded through the case's scoped views. Read-only here, without the files."""

    list_display = ["uploaded_at", "case", "kind", "original_name", "content_type", "size"]
    list_filter = ["kind", "content_type"]
    search_fields = ["case__number", "original_name", "sha256"]
    date_hierarchy = "uploaded_at"
    list_select_related = ["case"]
    exclude = ["file", "thumbnail"]
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ViewOnlyAdmin):
    """Written by ``cases.services.notifications``; read here to answer "was I told?"."""

    list_display = [
        "created_at",
        person_column("user", Notification._meta.get_field("user").verbose_name),
        "kind",
        "case",
        "read_at",
        "emailed_at",
    ]
    list_filter = ["kind"]
    search_fields = ["user__username", "case__number", "key"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "case"]


@admin.register(CaseNumberCounter)
class CaseNumberCounterAdmin(ViewOnlyAdmin):
    list_display = ["centre", "year", "last"]
    list_filter = ["year"]
    search_fields = ["centre__code"]
    list_select_related = ["centre"]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ViewOnlyAdmin):
    list_display = ["key", "user", "status_code", "created_at"]
    list_filter = ["status_code"]
    search_fields = ["key", "user__username"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    exclude = ["response"]


@admin.register(SavedSearch)
class SavedSearchAdmin(ViewOnlyAdmin):
    """Whose searches are kept and until when; never their text (it may hold a phone number)."""

    list_display = ["key", "user", "created_at", "expires_at"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    exclude = ["query_encrypted"]


@admin.register(CaseSearch)
class CaseSearchAdmin(ViewOnlyAdmin):
    """The full-text search's rows (one per case, written with every change it indexes;
    ``rebuild_search_index`` rewrites them): which cases are indexed. Their text holds party names
    and addresses, so it is not shown here."""

    list_display = ["case"]
    search_fields = ["case__number"]
    list_select_related = ["case"]
    exclude = ["document"]


@admin.register(UserSettings)
class UserSettingsAdmin(ViewOnlyAdmin):
    """Each user's language and notification preferences, as they chose them on their settings
    page (or through ``PATCH /api/v1/me/``); changed there, not here."""

    list_display = ["user", "language"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(DigestItem)
class DigestItemAdmin(ViewOnlyAdmin):
    """What a director's daily digest collected: each occurrence, and the digest that listed it
    (empty until the morning's digest is made)."""

    list_display = ["user", "kind", "case", "created_at", "digest"]
    list_filter = ["kind"]
    search_fields = ["user__username", "case__number"]
    list_select_related = ["user", "case", "digest"]


@admin.register(SavedFilter)
class SavedFilterAdmin(ViewOnlyAdmin):
    """The case list's saved filters: whose, shared with which centre; never their search text
    (it may hold a phone number)."""

    list_display = ["name", "owner", "centre", "created_at"]
    search_fields = ["name", "owner__username"]
    list_select_related = ["owner", "centre"]
    exclude = ["search_encrypted"]


class UserMembershipInline(AdministratorsInline):
    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["centre"]


admin.site.unregister(User)


@admin.register(User)
class UserWithMembershipsAdmin(MembershipsThroughService, UserAdmin, AdministratorPermissions):
    inlines = [UserMembershipInline]
    list_display = ["username", "name", "email", "is_staff", "is_active"]
    list_filter = [*UserAdmin.list_filter, "memberships__role"]

    @admin.display(description=pgettext_lazy("person", "name"), ordering="last_name")
    def name(self, user: User) -> str:
        """The name in its own order (刘小红), not Django's first and last name columns."""
        return user_display_name(user) if user.first_name or user.last_name else "—"


@admin.register(ReportRun)
class ReportRunAdmin(ViewOnlyAdmin):
    """Written by ``cases.services.snapshots`` (the schedule or ``build_reports``): read-only."""

    list_display = [
        "month",
        "version",
        "started_at",
        "finished_at",
        "centres",
        person_column("requested_by", ReportRun._meta.get_field("requested_by").verbose_name),
    ]
    list_filter = ["month"]
    search_fields = ["requested_by__username"]
    date_hierarchy = "started_at"
    list_select_related = ["requested_by"]


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(ViewOnlyAdmin):
    """A month's report as it was generated and sent: nobody changes or deletes one."""

    list_display = ["centre", "month", "version", "generated_at", "emailed_at"]
    list_filter = ["month", "version"]
    search_fields = ["centre__code", "centre__name_zh"]
    date_hierarchy = "generated_at"
    list_select_related = ["centre"]
    show_full_result_count = False


@admin.register(Rollup)
class RollupAdmin(ViewOnlyAdmin):
    """The report counters, for looking into a figure; written only with the changes themselves
    and by ``rebuild_rollups`` (docs/reports.md)."""

    list_display = [
        "centre",
        "subtree",
        "month",
        "dimension",
        "value",
        "received",
        "resolved",
        "open",
    ]
    list_filter = ["subtree", "dimension", "month"]
    search_fields = ["centre__code"]
    list_select_related = ["centre"]


@admin.register(DurationBucket)
class DurationBucketAdmin(ViewOnlyAdmin):
    list_display = ["centre", "subtree", "month", "tenths", "count"]
    list_filter = ["subtree", "month"]
    search_fields = ["centre__code"]
    list_select_related = ["centre"]


@admin.register(RollupState)
class RollupStateAdmin(ViewOnlyAdmin):
    list_display = ["stocks_through"]


def _govern_other_apps_admins() -> None:
    """The other installed apps' ModelAdmins (groups, tokens, login attempts) follow the same rule:
    each is registered again as a subclass with ``AdministratorPermissions`` below its own class.
    ``cases`` is the last installed app, so every other app has registered by now (a test checks)."""
    for model, model_admin in list(admin.site._registry.items()):
        if isinstance(model_admin, AdministratorPermissions):
            continue
        own = type(model_admin)
        admin.site.unregister(model)
        admin.site.register(model, type(own.__name__, (own, AdministratorPermissions), {}))


_govern_other_apps_admins()
