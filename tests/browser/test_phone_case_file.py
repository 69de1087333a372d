"""A mediator on a 375 px phone adds a photo of the IOU and writes down a call (issue 19).

The mediator signs in on the phone, opens the case from "My open cases", takes the photo with the
upload form (the camera straight away: ``capture="environment"``), sees its thumbnail, downloads
it, then writes a note mentioning a colleague of the centre. Nothing on the way needs sideways
scrolling. In Chinese (the default) and in English.
"""

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cases.models import Attachment, AttachmentKind, Note, NoteKind, Status
from tests.attachment_files import use_tmp_storage
from tests.browser.conftest import PHONE
from tests.browser.test_case_journey import PASSWORD, Run, Screen, t
from tests.factories import Tree, build_tree, drive, register

RUNS = [Run("zh-CN", PHONE, shots=True), Run("en", PHONE, shots=False)]

# The labels a user reads in the two sections the mediator works in: headings, the forms' fields
# and buttons, the choices picked. Each must show in the run's language.
ATTACHMENT_LABELS = [
    "Evidence and attachments",
    "Add a file or take a photo",
    "File",
    "A photo, a PDF scan, a Word or Excel document.",
    "Kind",
    "Photo",
    "Session",
    "— (the case as a whole)",
    "Description",
    "Upload",
]
NOTE_LABELS = [
    "Case notes",
    "newest first",
    "Write a note",
    "Kind",
    "Date",
    "The day it happened.",
    "What happened",
    "Write @username to mention someone who works on this case.",
    "Corrects",
    "Save the note",
]
# The entries of the timeline for the file and the note: their titles and the changes' labels.
TIMELINE_LABELS = [
    "File added",
    "File downloaded",
    "Note written",
    "type",
    "size (bytes)",
    "file",
    "file name",
]
# Every label-like element of a section: what has to be in the reader's language.
LABEL_ELEMENTS = "h2, summary, label, button, .helptext, small, select option:checked, strong"


@pytest.fixture
def people(transactional_db: None, settings: Any, tmp_path: Path) -> Tree:
    use_tmp_storage(settings, tmp_path / "attachments")
    tree = build_tree()
    # Chinese names are shown family name first, with no space: 王明, 陈静.
    for user, (family, given) in {
        tree.mediator_s1_user: ("王", "明"),
        tree.intake_s1: ("陈", "静"),
    }.items():
        user.last_name, user.first_name = family, given
        user.set_password(PASSWORD)
        user.save()
    return tree


def photo_of_an_iou() -> bytes:
    """A phone-camera-sized JPEG (made with Pillow): a sheet of paper on a desk, lines written."""
    image = Image.new("RGB", (1600, 1200), (120, 90, 60))
    image.paste((250, 244, 225), (200, 100, 1400, 1100))
    for top in range(250, 1000, 150):
        image.paste((30, 40, 120), (300, top, 1300, top + 30))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def on_screen(screen: Screen, selector: str) -> None:
    """Every element matched lies within the screen's width: reachable without sideways scrolling."""
    boxes = screen.page.locator(selector).evaluate_all(
        """els => els.filter(e => e.getClientRects().length)
            .map(e => { const r = e.getBoundingClientRect();
                        return [e.tagName + (e.name ? "[" + e.name + "]" : ""), r.left, r.right]; })"""
    )
    assert boxes, f"nothing visible matches {selector}"
    width = screen.run.viewport["width"]
    outside = [box for box in boxes if box[1] < 0 or box[2] > width + 0.5]
    assert not outside, (selector, outside, screen.too_wide())


def labels_in_language(
    screen: Screen, section: str, msgids: list[str], labels: str = LABEL_ELEMENTS
) -> None:
    """The ``section`` shows each of ``msgids`` in the run's language, and on a Chinese page none
    of its ``labels`` is left in English.

    A label still English in Chinese is tolerated only when it is one of ``msgids`` whose Chinese
    translation is not in the compiled catalogue yet (``t`` then gives the English): once the
    catalogue has it, the same check demands the Chinese. Labels may be capitalised on the page
    ("File name" of the field's "file name"). A Chinese label may name formats in Latin letters
    ("照片、PDF 扫描件"): a label counts as English only when it has no Chinese at all.
    """
    page = screen.page
    text = "\n".join(page.locator(section).all_inner_texts()).casefold()
    missing = [msgid for msgid in msgids if t(screen.run, msgid).casefold() not in text]
    assert not missing, (section, missing)
    if not screen.run.language.startswith("zh"):
        return
    pending = {msgid.casefold() for msgid in msgids if t(screen.run, msgid) == msgid}
    shown = (
        page.locator(section)
        .locator(labels)
        .evaluate_all(
            """els => els.filter(e => e.getClientRects().length)
            .map(e => e.innerText.trim())
            .filter(s => /[A-Za-z]{2,}/.test(s) && !/[\u4e00-\u9fff]/.test(s))"""
        )
    )
    english = [
        label
        for label in shown
        if label.rstrip("*:： ").casefold() not in pending and not label.startswith("@")
    ]
    assert not english, (section, english)


def shoot_section(screen: Screen, shots: Path, section: str, name: str) -> None:
    """A picture of one section of the page, for docs/web.md (``make screenshots``)."""
    if screen.run.shots:
        screen.page.locator(section).screenshot(path=str(shots / f"{name}-phone.png"))


def open_details(screen: Screen, section: str) -> None:
    summary = screen.page.locator(f"{section} details:has(form) > summary")
    if summary.locator("xpath=..").get_attribute("open") is None:
        summary.click()
    screen.check_layout()


@pytest.mark.parametrize("run", RUNS, ids=lambda run: run.name)
def test_a_mediator_on_a_phone_adds_a_photo_and_writes_a_note(
    browser: Any, live_server: Any, people: Tree, screenshots_dir: Path, run: Run
) -> None:
    tree, base = people, live_server.url
    case = register(actor=tree.intake_s1, centre=tree.s1, summary="借款纠纷：借条照片待补")
    case = drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)
    colleague = tree.intake_s1

    # 1. The mediator signs in on the phone and opens the case from "My open cases".
    mediator = Screen(browser, run, base, tree.mediator_s1_user)
    page = mediator.page
    with page.expect_navigation():
        page.locator(f"a[href='/cases/{case.pk}/']", has_text=case.number).first.click()
    mediator.check_layout()
    assert page.locator("h1").first.inner_text().startswith(case.number)

    # 2. The upload form opens the camera: images accepted, the back camera asked for.
    open_details(mediator, "#attachments")
    file_input = page.locator("#attachment-form input[type=file]")
    assert "image/*" in (file_input.get_attribute("accept") or "").split(",")
    assert file_input.get_attribute("capture") == "environment"
    on_screen(mediator, "#attachments h2, #attachment-form :is(label, input, select, button)")
    labels_in_language(mediator, "#attachments", ATTACHMENT_LABELS)

    # 3. The photo of the IOU, taken with the phone (a JPEG), uploaded as a photo.
    content = photo_of_an_iou()
    name = "IMG_20260314_093015_HDR.jpg"
    file_input.set_input_files(files=[{"name": name, "mimeType": "image/jpeg", "buffer": content}])
    page.select_option("#attachment-form select[name=kind]", AttachmentKind.PHOTO.value)
    page.fill("#attachment-form input[name=description]", "借条原件照片")
    with page.expect_navigation():
        page.locator("#attachment-form button[type=submit]").click()
    mediator.check_layout()
    assert not page.locator(".errorlist").count(), page.locator(".errorlist").all_inner_texts()
    attachment = Attachment.objects.get(case=case)
    assert (attachment.kind, attachment.original_name) == (AttachmentKind.PHOTO, name)
    assert t(run, "File added.") in page.locator(".messages").inner_text()

    # 4. Its thumbnail shows in the section and loads; the file's name and kind beside it.
    item = page.locator(f"#attachments li[data-attachment='{attachment.pk}']")
    thumbnail = item.locator("img")
    thumbnail.scroll_into_view_if_needed()  # lazy: loads when the mediator scrolls to it
    page.wait_for_function("img => img.complete", arg=thumbnail.element_handle())
    assert thumbnail.evaluate("img => img.naturalWidth") > 0
    assert name in item.inner_text() and t(run, "Photo") in item.inner_text()
    assert "王明" in item.inner_text()  # the uploader, family name first
    on_screen(mediator, f"#attachments li[data-attachment='{attachment.pk}'] :is(img, a)")
    labels_in_language(
        mediator,
        "#attachments",
        ["Evidence and attachments", "Add a file or take a photo", "Photo"],
    )
    shoot_section(mediator, screenshots_dir, "#attachments", "case-attachments")

    # 5. The file's link gives the very photo back. Chromium hands a download's answer to no
    # listener, so the status is read by asking again with the same session: a second download,
    # and each is on the timeline.
    link = item.locator("a[download]")
    with page.expect_download() as download:
        link.click()
    assert download.value.failure() is None
    assert download.value.suggested_filename == name
    assert Path(download.value.path()).read_bytes() == content
    again = mediator.context.request.get(f"{base}{link.get_attribute('href')}")
    assert (again.status, again.headers["content-type"]) == (200, "image/jpeg")
    assert again.body() == content

    # 6. A note of the call, mentioning a colleague of the centre.
    mediator.goto(f"/cases/{case.pk}/")
    open_details(mediator, "#notes")
    on_screen(mediator, "#notes h2, #note-form :is(label, input, select, textarea, button)")
    labels_in_language(mediator, "#notes", NOTE_LABELS)
    text = f"电话联系被申请人，约定周五上午来中心面谈。@{colleague.username} 请预留调解室。"
    page.select_option("#note-form select[name=kind]", NoteKind.CALL.value)
    page.fill("#note-form textarea[name=text]", text)
    # HTMX posts the form, then the page loads again (moving to #notes alone would load nothing).
    with page.expect_event("load"):
        page.locator("#note-form button[type=submit]").click()
    mediator.check_layout()
    note = Note.objects.get(case=case)
    assert list(note.mentions.all()) == [colleague]
    assert t(run, "Note saved.") in page.locator(".messages").inner_text()
    shown = page.locator(f"#notes li[data-note='{note.pk}']")
    assert text in shown.inner_text()
    assert "王明" in shown.inner_text() and "明 王" not in shown.inner_text()
    assert t(run, "Call") in shown.inner_text()
    assert f"@{colleague.username}" in shown.locator(".hint").inner_text()
    on_screen(mediator, f"#notes li[data-note='{note.pk}'] p")
    shoot_section(mediator, screenshots_dir, "#notes", "case-notes")

    # 7. The timeline has the upload, the two downloads and the note, each by the mediator.
    for event, title, times in [
        ("upload_attachment", "File added", 1),
        ("download_attachment", "File downloaded", 2),
        ("write_note", "Note written", 1),
    ]:
        entries = page.locator(f"#timeline li[data-event='{event}']")
        assert entries.count() == times, event
        for entry in entries.all():
            assert t(run, title) in entry.inner_text() and "王明" in entry.inner_text()
    labels_in_language(
        mediator,
        "#timeline li:is([data-event$='_attachment'], [data-event='write_note'])",
        TIMELINE_LABELS,
        labels="strong, .change-label",
    )
    on_screen(mediator, "#timeline li")
    mediator.check_layout()
    mediator.close()
