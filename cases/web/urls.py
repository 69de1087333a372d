"""The mediator web UI (server-rendered templates + HTMX). Every view reads through
``cases.queries``/``cases.access`` and writes through ``cases.services``/``cases.workflow``."""

from django.urls import path

from .views import (
    agreements,
    attachments,
    audit,
    auth,
    bulk,
    case_detail,
    case_list,
    court,
    documents,
    due,
    exports,
    intake,
    lookups,
    mediators,
    notes,
    notifications,
    parties,
    personal_data,
    profile,
    quick_search,
    report_archive,
    reports,
    retention,
    saved_filters,
    sent_mail,
    sessions,
    similar,
    transfers,
    trend,
    wall,
    warnings,
    workbench,
)

app_name = "web"

urlpatterns = [
    path("", workbench.workbench, name="workbench"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("logout/everywhere/", auth.logout_everywhere, name="logout_everywhere"),
    path("password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", profile.profile, name="profile"),
    # Intake.
    path("cases/new/", intake.intake, name="intake"),
    path("cases/new/party-row/", intake.party_row, name="intake_party_row"),
    path("cases/new/categories/", intake.subcategories, name="intake_categories"),
    path("cases/new/person-hint/", intake.person_hint, name="intake_person_hint"),
    # The case list and its CSV.
    path("cases/", case_list.case_list, name="case_list"),
    path("cases/export.csv", case_list.case_export, name="case_export"),
    path(
        "cases/export.xlsx",
        case_list.case_export,
        {"format": "xlsx"},
        name="case_export_xlsx",
    ),
    path("exports/<int:pk>/", exports.export_detail, name="export_detail"),
    # The audit trail (issue 22): administrators, and directors over their subtrees.
    # Early warnings (issue 24): directors over their subtrees, and administrators.
    path("warnings/", warnings.warning_list, name="warnings"),
    path("warnings/<int:pk>/", warnings.warning_detail, name="warning"),
    path(
        "warnings/<int:pk>/acknowledge/", warnings.warning_acknowledge, name="warning_acknowledge"
    ),
    path("warnings/<int:pk>/assign/", warnings.warning_assign, name="warning_assign"),
    path("warnings/<int:pk>/dismiss/", warnings.warning_dismiss, name="warning_dismiss"),
    path("audit/", audit.audit_list, name="audit"),
    path("audit/export.csv", audit.audit_export_csv, name="audit_export"),
    # Requests from the people concerned (issue 22): find, export, city-wide search, erasure.
    path("personal-data/", personal_data.request_list, name="personal_data"),
    path("personal-data/search/", personal_data.search, name="personal_data_search"),
    path("personal-data/erasure/", personal_data.erasure, name="personal_data_erasure"),
    path("personal-data/export/", personal_data.export, name="personal_data_export"),
    path("personal-data/extract/", personal_data.audit_extract, name="personal_data_extract"),
    path("personal-data/<int:pk>/", personal_data.request_detail, name="personal_data_request"),
    path(
        "personal-data/<int:pk>/run/",
        personal_data.request_run,
        name="personal_data_request_run",
    ),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
    # Bulk actions and saved filters of the case list (issue 20).
    path("cases/bulk/", bulk.case_bulk, name="case_bulk"),
    path("cases/filters/", saved_filters.saved_filter_save, name="saved_filter_save"),
    path("cases/filters/<int:pk>/", saved_filters.saved_filter_apply, name="saved_filter_apply"),
    path(
        "cases/filters/<int:pk>/delete/",
        saved_filters.saved_filter_delete,
        name="saved_filter_delete",
    ),
    # The quick search box in the header of every page.
    path("search/", quick_search.quick_search, name="quick_search"),
    # Type-ahead for the centre and mediator filters (issue 21): the caller's scope only.
    path("lookup/centres/", lookups.centres, name="lookup_centres"),
    path("lookup/mediators/", lookups.mediators, name="lookup_mediators"),
    # One case.
    path("cases/<int:pk>/", case_detail.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", case_detail.case_edit, name="case_edit"),
    path("cases/<int:pk>/similar/", similar.case_similar, name="case_similar"),
    path("cases/<int:pk>/legal-hold/", retention.case_legal_hold, name="case_legal_hold"),
    path("cases/<int:pk>/actions/<str:name>/", case_detail.case_action, name="case_action"),
    path(
        "cases/<int:pk>/parties/<int:party_pk>/reveal/",
        case_detail.party_reveal,
        name="party_reveal",
    ),
    path("cases/<int:pk>/notes/new/", notes.note_add, name="note_add"),
    # A case's parties: add, correct, remove (issue 19).
    path("cases/<int:pk>/parties/new/", parties.party_add, name="party_add"),
    path(
        "cases/<int:pk>/parties/<int:party_pk>/correct/",
        parties.party_correct,
        name="party_correct",
    ),
    path(
        "cases/<int:pk>/parties/<int:party_pk>/remove/",
        parties.party_remove,
        name="party_remove",
    ),
    # Evidence and attachments (issue 19): every file through its case, never a public address.
    path("cases/<int:pk>/attachments/new/", attachments.attachment_add, name="attachment_add"),
    path(
        "cases/<int:pk>/attachments/<int:aid>/",
        attachments.attachment_download,
        name="attachment_download",
    ),
    path(
        "cases/<int:pk>/attachments/<int:aid>/thumbnail/",
        attachments.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path(
        "cases/<int:pk>/attachments/<int:aid>/withdraw/",
        attachments.attachment_withdraw,
        name="attachment_withdraw",
    ),
    # Sessions.
    path("calendar/", sessions.calendar, name="calendar"),
    path("cases/<int:pk>/sessions/new/", sessions.session_book, name="session_book"),
    path("sessions/<int:pk>/record/", sessions.session_record, name="session_record"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/move/", sessions.session_move, name="session_move"),
    # Printed records: the registration form, a session's record.
    path("cases/<int:pk>/registration/", documents.registration_print, name="registration_print"),
    path("cases/<int:pk>/registration.pdf", documents.registration_pdf, name="registration_pdf"),
    path("cases/<int:pk>/case-file/", documents.case_file_print, name="case_file_print"),
    path("cases/<int:pk>/case-file.pdf", documents.case_file_pdf, name="case_file_pdf"),
    path(
        "cases/<int:pk>/sessions/<int:session_pk>/record/",
        documents.session_record_print,
        name="session_record_print",
    ),
    path(
        "cases/<int:pk>/sessions/<int:session_pk>/record.pdf",
        documents.session_record_pdf,
        name="session_record_pdf",
    ),
    # Agreements, fulfilment, follow-ups.
    path("cases/<int:pk>/agreement/", agreements.agreement_print, name="agreement_print"),
    path("cases/<int:pk>/agreement.pdf", agreements.agreement_pdf, name="agreement_pdf"),
    path("cases/<int:pk>/closing-summary/", court.closing_summary, name="closing_summary"),
    path(
        "cases/<int:pk>/closing-summary.pdf", court.closing_summary_pdf, name="closing_summary_pdf"
    ),
    path("agreements/<int:pk>/fulfilment/", agreements.fulfilment, name="fulfilment"),
    path(
        "agreements/<int:pk>/judicial-confirmation/",
        agreements.judicial_confirmation,
        name="judicial_confirmation",
    ),
    path("follow-ups/<int:pk>/record/", agreements.follow_up_record, name="follow_up_record"),
    # Transfers and mediators.
    path("transfers/", transfers.inbox, name="transfers"),
    path("due/", due.due_lists, name="due"),
    path(
        "due/follow-ups/<int:pk>/parties/<int:party_pk>/phone/",
        due.due_phone,
        name="due_phone",
    ),
    path("mediators/", mediators.mediator_list, name="mediator_list"),
    path("mediators/<int:pk>/", mediators.mediator_detail, name="mediator_detail"),
    # Notifications (the bell).
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    # Monthly reports.
    path("reports/", reports.reports, name="reports"),
    path("reports/trend/", trend.report_trend, name="report_trend"),
    path("reports/snapshots/", report_archive.report_archive, name="report_archive"),
    # The wall screen of a command centre (issue 24).
    path("wall/", wall.wall, name="wall"),
    path(
        "reports/snapshots/<int:pk>/<str:kind>/",
        report_archive.report_snapshot_file,
        name="report_snapshot_file",
    ),
    # The e-mails the file backend kept (make run), for administrators.
    path("sent-mail/", sent_mail.sent_mail_list, name="sent_mail"),
    path("sent-mail/<str:key>/", sent_mail.sent_mail_message, name="sent_mail_message"),
    path(
        "sent-mail/<str:key>/attachments/<int:number>/",
        sent_mail.sent_mail_attachment,
        name="sent_mail_attachment",
    ),
]
