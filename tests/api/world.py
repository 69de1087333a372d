"""Objects of every kind the API serves, on two sides of the small centre tree.

``build_sides(tree)`` gives, at S1 (under D1) and at S2 (under D2): a case in mediation with its
parties, a booked session in a room and a note; a resolved and closed case (its agreement and the
follow-up that closing scheduled); a case sent up to the district (a transfer). Everything is made
through the services and the workflow, as the product makes it.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import workflow
from cases.models import (
    Agreement,
    Attachment,
    Case,
    Category,
    Centre,
    CentreKind,
    CentreLevel,
    EarlyWarning,
    Event,
    FollowUp,
    Mediator,
    Note,
    Party,
    ReportRun,
    ReportSnapshot,
    Room,
    Session,
    Status,
    SubjectRequest,
    SubjectRequestKind,
    Transfer,
    WarningRule,
)
from cases.reports import monthly
from cases.reports.periods import add_months, current_month
from cases.services.attachments import upload_attachment
from cases.services.notes import write_note
from cases.services.sessions import book_session
from tests.attachment_files import jpeg, pdf
from tests.factories import (
    PATHS,
    CentreFactory,
    RoomFactory,
    Tree,
    data_for,
    drive,
    register,
    register_entrusted,
    seeded_category,
)


@dataclass
class Side:
    """Objects at one street centre, with the district above it."""

    case: Case  # in mediation
    party: Party
    session: Session
    note: Note  # on ``case``
    attachment: Attachment  # a PDF on ``case``
    thumbnailed: Attachment  # a photo on ``case``, with its thumbnail
    room: Room
    agreement: Agreement  # of a resolved and closed case
    follow_up: FollowUp  # scheduled by closing that case
    transfer: Transfer  # a case of the street sent up to the district
    returned: Case  # court-entrusted, failed: back to the court with a closing summary
    centre: Centre
    district: Centre
    mediator: Mediator
    user: Any  # a user who works there
    category: Category  # not centre-bound: the same on both sides
    event: Event  # the case's last (its photo's upload): the events feed lists events
    subject_request: SubjectRequest  # an erasure of the case's first party, asked there (issue 22)
    snapshot: ReportSnapshot  # the district's report of last month, as a run kept it (issue 24)
    warning: EarlyWarning  # an early warning raised for the street, linking ``case`` (issue 24)


def _arrived(tree: Tree, case: Case, street: Centre, origin: Centre | None) -> Case:
    """``case`` as registered at ``origin`` and then transferred to ``street`` and accepted there
    (``origin=None``: as registered at ``street`` itself)."""
    if origin is None:
        return case
    admin = tree.admin
    case = workflow.transition(
        case=case, name="transfer", actor=admin, data=data_for("transfer", target=street)
    )
    return workflow.transition(case=case, name="accept_transfer", actor=admin)


def _worked(case: Case, status: str, *, actor: Any, mediator: Mediator) -> Case:
    """``drive``, also from a case accepted at the centre it was transferred to."""
    if case.status == Status.REGISTERED:
        return drive(case, status, actor=actor, mediator=mediator)
    for name in PATHS[status][1:]:  # the path's "accept" was the transfer's
        case = workflow.transition(
            case=case, name=name, actor=actor, data=data_for(name, mediator=mediator)
        )
    return case


def build_side(
    tree: Tree,
    *,
    street: Centre,
    district: Centre,
    mediator: Mediator,
    user: Any,
    origin: Centre | None = None,
) -> Side:
    """The objects at ``street``; with ``origin``, every case registered at ``origin`` and then
    transferred to ``street`` (the registering centre keeps read-only sight, DESIGN §2)."""
    admin = tree.admin

    def registered(**court: Any) -> Case:
        at = origin or street
        case = register_entrusted(actor=admin, centre=at, **court) if court else None
        case = case or register(actor=admin, centre=at)
        return _arrived(tree, case, street, origin)

    case = _worked(registered(), Status.IN_MEDIATION, actor=admin, mediator=mediator)
    room = RoomFactory.create(centre=street)
    starts = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    session = book_session(
        case=case,
        actor=admin,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mediators=[mediator],
        room=room,
    )
    note = write_note(case=case, actor=admin, kind="call", text="电话联系双方")
    attachment = upload_attachment(
        case=case, actor=admin, file=SimpleUploadedFile("借条.pdf", pdf()), kind="contract"
    )
    thumbnailed = upload_attachment(
        case=case, actor=admin, file=SimpleUploadedFile("现场.jpg", jpeg()), kind="photo"
    )
    settled = _worked(registered(), Status.RESOLVED, actor=admin, mediator=mediator)
    workflow.transition(case=settled, name="close", actor=admin, data={})
    # Each side's own court: the other side's court liaison must not reach this case.
    court = (
        tree.court
        if (origin or district).is_within(tree.d1)
        else CentreFactory.create(
            parent=district,
            level=CentreLevel.STREET,
            kind=CentreKind.COURT,
            name_zh="江汉区人民法院",
        )
    )
    returned = _worked(registered(court=court), Status.FAILED, actor=admin, mediator=mediator)
    if origin is None:
        moving = register(actor=admin, centre=street)
        workflow.transition(
            case=moving, name="transfer", actor=admin, data=data_for("transfer", target=district)
        )
    else:  # the transfer that brought the case in
        moving = case
    return Side(
        case=case,
        party=case.parties.order_by("position")[0],
        session=session,
        note=note,
        attachment=attachment,
        thumbnailed=thumbnailed,
        room=room,
        agreement=Agreement.objects.get(case=settled),
        follow_up=FollowUp.objects.get(case=settled),
        transfer=Transfer.objects.get(case=moving),
        returned=returned,
        centre=street,
        district=district,
        mediator=mediator,
        user=user,
        category=seeded_category(),
        event=Event.objects.filter(case=case).latest("id"),
        subject_request=SubjectRequest.objects.create(
            kind=SubjectRequestKind.ERASURE,
            centre=street,
            requested_by=user,
            phone_hash=case.parties.order_by("position")[0].phone_hash,
            reason="world",
        ),
        snapshot=report_snapshot(district),
        warning=_warning(street, case),
    )


def report_snapshot(centre: Centre) -> ReportSnapshot:
    """``centre``'s report of last month as the schedule's run keeps it."""
    now = timezone.now()
    month = add_months(current_month(now), -1)
    run, _created = ReportRun.objects.get_or_create(
        month=month, version=1, defaults={"started_at": now}
    )
    return ReportSnapshot.objects.create(
        run=run,
        centre=centre,
        month=month,
        version=1,
        generated_at=now,
        data=monthly.report(centre, month, now=now),
    )


def _warning(street: Centre, case: Case) -> EarlyWarning:
    """A group dispute raised for ``street`` about ``case`` (as ``services.warnings`` raises one)."""
    key = f"{WarningRule.GROUP_DISPUTE}:{case.pk}"
    warning = EarlyWarning.objects.create(
        centre=street, rule=WarningRule.GROUP_DISPUTE, key=key, subject=key,
        data={"count": 5, "threshold": 5, "number": case.number},
    )  # fmt: skip
    warning.cases.add(case)
    return warning


def build_registered_side(tree: Tree) -> Side:
    """Objects of cases registered at S1 and escalated to the city C, handled there: S1's intake
    and D1's director and observer see them by registration alone (read-only)."""
    return build_side(
        tree, street=tree.c, district=tree.c, mediator=tree.med_c, user=tree.director_c,
        origin=tree.s1,
    )  # fmt: skip


def build_sides(tree: Tree) -> dict[str, Side]:
    """``"d1"``: objects in D1's subtree (at S1); ``"d2"``: in D2's subtree (at S2)."""
    return {
        "d1": build_side(
            tree,
            street=tree.s1,
            district=tree.d1,
            mediator=tree.med_s1,
            user=tree.mediator_s1b_user,
        ),
        "d2": build_side(
            tree, street=tree.s2, district=tree.d2, mediator=tree.med_s2, user=tree.mediator_s2_user
        ),
    }
