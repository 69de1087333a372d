"""PATCH /api/v1/me/: the user's language and notification preferences (issue 20)."""

import pytest

from cases.models import Notification, NotificationKind
from tests.api.support import client_for
from tests.factories import Tree

pytestmark = pytest.mark.django_db


def test_me_shows_and_stores_language_and_preferences(tree: Tree) -> None:
    client = client_for(tree.director_d1, language="zh-hans")
    body = client.get("/api/v1/me/").json()
    assert body["language"] == "zh-hans"  # not chosen yet: the request's
    assert body["notification_preferences"]["high_risk"] == "email"
    assert "digest" not in body["notification_preferences"]

    answer = client.patch(
        "/api/v1/me/",
        {"language": "en", "notification_preferences": {"high_risk": "digest", "overdue": "off"}},
        format="json",
    )
    assert answer.status_code == 200
    body = client.get("/api/v1/me/").json()
    assert body["language"] == "en"  # stored: whatever the request asks
    assert body["notification_preferences"]["high_risk"] == "digest"
    assert body["notification_preferences"]["overdue"] == "off"
    assert body["notification_preferences"]["due_soon"] == "email"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"language": "fr"}, "language"),
        (
            {"notification_preferences": {"high_risk": "pigeon"}},
            "notification_preferences.high_risk",
        ),
        ({"notification_preferences": {"gossip": "off"}}, "notification_preferences.gossip"),
        ({"notification_preferences": "off"}, "notification_preferences"),
    ],
)
def test_invalid_values_are_refused_naming_the_field(
    tree: Tree, payload: dict[str, object], field: str
) -> None:
    client = client_for(tree.director_d1)
    answer = client.patch("/api/v1/me/", payload, format="json")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert client.get("/api/v1/me/").json()["notification_preferences"]["high_risk"] == "email"


def test_only_a_director_may_take_a_digest(tree: Tree) -> None:
    answer = client_for(tree.intake_s1).patch(
        "/api/v1/me/", {"notification_preferences": {"high_risk": "digest"}}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {
        "notification_preferences.high_risk": ["Only centre directors may take a daily digest."]
    }


def test_a_digest_is_listed_by_the_notifications_endpoint(tree: Tree) -> None:
    from cases.models import RiskLevel
    from cases.services.preferences import send_digests, update_settings
    from tests.factories import register

    update_settings(
        user=tree.director_d1,
        notifications={"high_risk": "digest", "awaiting_acceptance": "off"},
    )
    case = register(actor=tree.intake_s1, centre=tree.s1, risk_level=RiskLevel.HIGH)
    assert send_digests() == 1
    [entry] = client_for(tree.director_d1).get("/api/v1/notifications/").json()["results"]
    assert entry["kind"] == NotificationKind.DIGEST
    assert entry["case"] is None
    assert case.number in entry["text"] and entry["text"].startswith("Daily digest: ")
    assert Notification.objects.filter(user=tree.director_d1).count() == 1


def test_a_digest_names_only_the_number_of_a_case_the_reader_no_longer_sees(tree: Tree) -> None:
    from cases.models import Membership, RiskLevel
    from cases.services.preferences import send_digests, update_settings
    from tests.factories import register

    update_settings(user=tree.director_d1, notifications={"high_risk": "digest"})
    case = register(
        actor=tree.intake_s1, centre=tree.s1, risk_level=RiskLevel.HIGH, summary="邻里噪音纠纷"
    )
    assert send_digests() == 1
    client = client_for(tree.director_d1)

    def digest_text() -> str:
        entries = client.get("/api/v1/notifications/", {"kind": "digest"}).json()["results"]
        return str(entries[0]["text"])

    assert case.number in digest_text() and "邻里噪音纠纷" in digest_text()
    Membership.objects.filter(user=tree.director_d1).delete()  # no longer directs the district
    assert case.number in digest_text() and "邻里噪音纠纷" not in digest_text()
