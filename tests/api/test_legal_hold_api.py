"""The legal hold and anonymised files over HTTP (issue 22): `POST /api/v1/cases/{id}/legal-hold/`,
`legal_hold` and `anonymised_at` on the case, 410 for a file deleted by anonymisation."""

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case, Event
from cases.services.anonymisation import anonymise_case
from cases.services.attachments import upload_attachment
from tests.api.support import assert_error, client_for
from tests.attachment_files import pdf, upload, use_tmp_storage
from tests.factories import Tree, register

pytestmark = pytest.mark.django_db


def url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/legal-hold/"


def test_a_director_sets_and_releases_a_hold_and_the_case_shows_it(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    client = client_for(tree.director_d1)

    response = client.post(url(case), {"hold": True, "reason": "涉诉保全"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["legal_hold"], body["anonymised_at"]) == (True, None)
    assert response["ETag"] == f'"{case.version + 1}"' == f'"{body["version"]}"'
    assert Event.objects.filter(case=case).latest("id").name == "set_legal_hold"
    again = client.post(url(case), {"hold": True, "reason": "再次"}, format="json")
    assert list(assert_error(again, 400, "invalid")["fields"]) == ["hold"]
    released = client.post(url(case), {"hold": False, "reason": "已结案"}, format="json")
    assert released.json()["legal_hold"] is False


def test_others_who_see_the_case_are_refused_and_a_reason_is_required(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    for user in (tree.mediator_s1_user, tree.observer_d1, tree.intake_s1):
        refused = client_for(user).post(url(case), {"hold": True, "reason": "x"}, format="json")
        assert_error(refused, 403, "permission_denied")
    outside = client_for(tree.director_d2).post(url(case), {"hold": True, "reason": "x"})
    assert_error(outside, 404, "not_found")
    missing = client_for(tree.director_c).post(url(case), {"hold": True}, format="json")
    assert list(assert_error(missing, 400, "invalid")["fields"]) == ["reason"]
    assert Case.objects.get(pk=case.pk).legal_hold is False


def test_a_file_deleted_by_anonymisation_answers_410_and_is_listed_as_removed(
    tree: Tree, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    use_tmp_storage(settings, tmp_path)
    case = register(actor=tree.intake_s1, centre=tree.s1)
    attachment = upload_attachment(
        case=case, actor=tree.intake_s1, file=upload("证据.pdf", pdf()), kind="other"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert anonymise_case(case, actor=None, reason="retention", at=timezone.now())
    client = client_for(tree.director_d1)

    base = f"/api/v1/cases/{case.pk}/attachments/"
    gone = client.get(f"{base}{attachment.pk}/download/")
    error = assert_error(gone, 410, "file_removed")
    assert "anonymised" in error["message"]
    listed = client.get(base).json()["results"]
    assert [(a["id"], a["removed_at"] is not None) for a in listed] == [(attachment.pk, True)]
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["anonymised_at"] is not None
    # What the events held of the people is masked where they are stored: no feed shows it.
    for feed in (f"/api/v1/cases/{case.pk}/events/", "/api/v1/events/"):
        shown = client.get(feed)
        assert shown.status_code == 200
        assert "张三" not in shown.content.decode() and "李四" not in shown.content.decode()
        assert "申请人1" in shown.content.decode()
    register_event = Event.objects.filter(case=case, name="register").get()
    assert [p["name"] for p in register_event.after["parties"]] == ["申请人1", "被申请人1"]
