"""Notes on the case page (issue 19): read by whoever sees the case, written and corrected by its
people through a small form (HTMX like the rest of the page)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Event, Note, Status
from cases.services.notes import write_note
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db


def s1_case(tree: Tree) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)


def page(client: Client, case: Case) -> str:
    response = client.get(reverse("web:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_mediator_writes_a_note_from_the_case_page_with_htmx(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    client = client_for(tree.mediator_s1_user)
    html = page(client, case)
    assert 'id="note-form"' in html and reverse("web:note_add", args=[case.pk]) in html

    response = client.post(
        reverse("web:note_add", args=[case.pk]),
        {"kind": "call", "happened_on": timezone.localdate().isoformat(),
         "text": f"电话联系被申请人 @{tree.director_d1.username}"},
        headers={"HX-Request": "true"},
    )  # fmt: skip

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("web:case_detail", args=[case.pk]) + "#notes"
    note = Note.objects.get(case=case)
    assert list(note.mentions.all()) == [tree.director_d1]
    html = page(client, case)
    assert "电话联系被申请人" in html and f'data-note="{note.pk}"' in html
    assert "Note written" in html  # its one event on the timeline


@pytest.mark.parametrize(
    ("from_page", "reloads"),
    [("web:case_detail", True), ("web:note_add", False)],
    ids=["from-the-case-page", "from-the-note-page"],
)
def test_a_note_saved_on_the_case_page_reloads_it(
    tree: Tree, client_for: Callable[..., Client], from_page: str, reloads: bool
) -> None:
    """Sent back to ``#notes`` of the page the form is on, the browser would only scroll, the note
    unseen and the form still filled in: HX-Refresh has HTMX reload it. From the note's own page
    the redirect loads the case page anyway."""
    case = s1_case(tree)
    response = client_for(tree.mediator_s1_user).post(
        reverse("web:note_add", args=[case.pk]),
        {"kind": "call", "happened_on": timezone.localdate().isoformat(), "text": "电话联系"},
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://testserver" + reverse(from_page, args=[case.pk]),
        },
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("web:case_detail", args=[case.pk]) + "#notes"
    assert (response.get("HX-Refresh") == "true") == reloads


def test_bad_input_comes_back_at_the_field(tree: Tree, client_for: Callable[..., Client]) -> None:
    case = s1_case(tree)
    client = client_for(tree.director_d1)
    tomorrow = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(
        reverse("web:note_add", args=[case.pk]),
        {"kind": "call", "happened_on": tomorrow, "text": "告知 @nobody-here"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="note-form"' in html and "<html" not in html  # the form fragment only
    assert "This date is in the future." in html
    assert not Note.objects.filter(case=case).exists()

    response = client.post(
        reverse("web:note_add", args=[case.pk]),
        {"kind": "call", "happened_on": timezone.localdate().isoformat(), "text": "@nobody-here"},
    )
    assert response.status_code == 400
    assert "@nobody-here: no one of that name may see this case." in response.content.decode()


def test_a_correction_from_the_page_marks_the_old_note(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    first = write_note(case=case, actor=tree.mediator_s1_user, kind="visit", text="周二走访")
    client = client_for(tree.director_d1)
    html = page(client, case)
    assert f'data-note-correct="{first.pk}"' in html

    form = client.get(reverse("web:note_add", args=[case.pk]), {"corrects": first.pk})
    assert form.status_code == 200
    assert f'<option value="{first.pk}" selected>' in form.content.decode()
    response = client.post(
        reverse("web:note_add", args=[case.pk]),
        {"kind": "visit", "happened_on": timezone.localdate().isoformat(), "text": "周三走访",
         "corrects": first.pk},
    )  # fmt: skip
    assert response.status_code == 303

    fixed = Note.objects.get(corrects=first)
    html = page(client, case)
    assert "周二走访" in html and "周三走访" in html  # nothing rewritten
    assert f'data-corrected-by="{fixed.pk}"' in html and f'data-corrects="{first.pk}"' in html
    assert f'data-note-correct="{first.pk}"' not in html  # corrected once: correct the correction


def test_an_observer_reads_notes_but_gets_no_form_and_403_on_post(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    write_note(case=case, actor=tree.mediator_s1_user, kind="call", text="只读可见")
    client = client_for(tree.observer_d1)
    html = page(client, case)
    assert "只读可见" in html and 'id="note-form"' not in html
    events = Event.objects.count()
    response = client.post(
        reverse("web:note_add", args=[case.pk]),
        {"kind": "call", "happened_on": timezone.localdate().isoformat(), "text": "越权"},
    )
    assert response.status_code == 403
    assert Event.objects.count() == events and Note.objects.count() == 1


def test_another_districts_director_gets_404(tree: Tree, client_for: Callable[..., Client]) -> None:
    case = s1_case(tree)
    response = client_for(tree.director_d2).get(reverse("web:note_add", args=[case.pk]))
    assert response.status_code == 404
