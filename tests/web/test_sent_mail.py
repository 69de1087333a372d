"""The "sent mail" page: the e-mails Django's file backend kept (``make run``), for administrators."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.mail import EmailMessage, send_mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases.models import Notification, NotificationKind, RiskLevel
from cases.services.notifications import send_due_emails
from tests.factories import Tree, register

pytestmark = pytest.mark.django_db

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
URL = reverse("web:sent_mail")
ClientFor = Callable[..., Client]


@pytest.fixture
def mail_dir(settings: Any, tmp_path: Path) -> Path:
    """E-mail goes through Django's file backend into a directory of this test, as in make run."""
    settings.EMAIL_BACKEND = FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path / "sent-mail")
    return tmp_path / "sent-mail"


def message_urls(page: str) -> list[str]:
    """The links to single messages on the list page, in the order shown."""
    return re.findall(r'href="(/sent-mail/[^/"]+/)"', page)


def test_a_notification_in_chinese_is_listed_and_shown_decoded(
    tree: Tree, client_for: ClientFor, mail_dir: Path, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # a notification's subject is in the site's language
    case = register(actor=tree.intake_s1, centre=tree.s1, risk_level=RiskLevel.HIGH)
    # The high-risk e-mails only (the registration also tells that acceptance is due).
    Notification.objects.exclude(kind=NotificationKind.HIGH_RISK).delete()
    assert send_due_emails() >= 1
    with translation.override("zh-hans"):
        subject = str(NotificationKind.HIGH_RISK.label)
    assert not subject.isascii()
    # The file holds the subject MIME-encoded, not as it is shown.
    raw = b"".join(path.read_bytes() for path in mail_dir.iterdir())
    subject_lines = re.findall(rb"^Subject: (.*)$", raw, flags=re.MULTILINE)
    assert subject_lines and all(line.startswith(b"=?utf-8?") for line in subject_lines)

    client = client_for(tree.admin)
    page = client.get(URL).content.decode()
    assert subject in page
    assert tree.director_c.email in page
    urls = message_urls(page)
    assert urls
    message = client.get(urls[0])
    assert message.status_code == 200
    text = message.content.decode()
    assert subject in text
    assert case.number in text  # the text body
    assert "Open the case tracker to see it." in text
    assert "mediation@localhost" in text  # From

    # The page in Chinese (its own new strings are translated in the catalogue).
    chinese = client_for(tree.admin, language="zh-hans").get(URL).content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert '<th scope="col">日期</th>' in chinese
    assert subject in chinese


def test_newest_first_and_an_attachment_to_download(
    tree: Tree, client_for: ClientFor, mail_dir: Path
) -> None:
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        send_mail("Older message", "First.\n", "mediation@localhost", ["a@example.org"])
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        report = EmailMessage(
            "Monthly report 月报", "The report is attached.\n", "mediation@localhost",
            ["director@example.org"],
        )  # fmt: skip
        report.attach("月报 2026-02.pdf", b"%PDF-1.7 not really", "application/pdf")
        report.send()

    client = client_for(tree.admin)
    page = client.get(URL).content.decode()
    assert page.index("Monthly report 月报") < page.index("Older message")
    assert "2026-03-02" in page and "2026-03-01" in page
    newest, oldest = message_urls(page)
    text = client.get(newest).content.decode()
    assert "The report is attached." in text
    assert "月报 2026-02.pdf" in text
    assert "director@example.org" in text
    download = re.search(r'href="(/sent-mail/[^"]+/attachments/\d+/)"', text)
    assert download is not None
    response = client.get(download[1])
    assert response.status_code == 200
    assert b"".join(response) == b"%PDF-1.7 not really"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "2026-02.pdf" in response["Content-Disposition"]
    assert "First." in client.get(oldest).content.decode()


def test_only_administrators_see_the_sent_mail(
    tree: Tree, client_for: ClientFor, mail_dir: Path
) -> None:
    message = EmailMessage("Secret", "Body.\n", "mediation@localhost", ["a@example.org"])
    message.attach("a.txt", b"attached", "text/plain")
    message.send()
    admin = client_for(tree.admin)
    url = message_urls(admin.get(URL).content.decode())[0]
    attachment = url + "attachments/1/"
    assert admin.get(attachment).status_code == 200
    for user in (tree.director_c, tree.intake_s1, tree.mediator_s1_user, tree.observer_d1):
        client = client_for(user)
        for target in (URL, url, attachment):
            assert client.get(target).status_code == 404, (user, target)
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("web:login"))


def test_unknown_messages_and_attachments_are_not_found(
    tree: Tree, client_for: ClientFor, mail_dir: Path
) -> None:
    send_mail("Hello", "Body.\n", "mediation@localhost", ["a@example.org"])
    client = client_for(tree.admin)
    url = message_urls(client.get(URL).content.decode())[0]
    assert client.get(url + "attachments/1/").status_code == 404  # it has none
    for key in ("..", "nothing.0", "x" * 300):
        assert client.get(reverse("web:sent_mail_message", args=[key])).status_code == 404


def test_without_the_file_backend_the_page_says_mail_is_not_kept(
    tree: Tree, client_for: ClientFor, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    admin = client_for(tree.admin)
    page = admin.get(URL)
    assert page.status_code == 200
    assert "sent by SMTP and not kept here" in page.content.decode()
    assert admin.get(reverse("web:sent_mail_message", args=["a.0"])).status_code == 404


def test_the_nav_links_the_page_for_administrators_only(tree: Tree, client_for: ClientFor) -> None:
    assert f'href="{URL}"' in client_for(tree.admin).get(reverse("web:workbench")).content.decode()
    director = client_for(tree.director_c).get(reverse("web:workbench")).content.decode()
    assert f'href="{URL}"' not in director
