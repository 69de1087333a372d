"""A person's name in its own order: Chinese family name first with no space, Western as written."""

import pytest
from django.contrib.auth.models import User

from cases.demo.people import split_name
from cases.models import display_name, user_display_name


@pytest.mark.parametrize(
    ("given", "family", "shown"),
    [
        ("小红", "刘", "刘小红"),  # Django's get_full_name() says "小红 刘"
        ("洋", "徐", "徐洋"),
        ("娜", "欧阳", "欧阳娜"),
        ("Anna", "Smith", "Anna Smith"),
        ("Jean-Luc", "de la Croix", "Jean-Luc de la Croix"),
        ("Anna", "刘", "刘Anna"),  # mixed: one part in Chinese characters puts the family first
        ("小红", "Smith", "Smith小红"),
        ("  小红 ", " 刘 ", "刘小红"),  # stray spaces are no part of the name
        ("太郎", "山田", "山田太郎"),  # Japanese (kanji)
        ("민준", "김", "김민준"),  # Korean (Hangul)
        ("𠀀", "王", "王𠀀"),  # an ideograph outside the basic plane (extension B)
    ],
)
def test_the_name_is_in_its_own_order(given: str, family: str, shown: str) -> None:
    assert display_name(given, family, "ja01_intake") == shown


@pytest.mark.parametrize(
    ("given", "family", "shown"),
    [
        ("小红", "", "小红"),
        ("", "刘", "刘"),
        ("Anna", "", "Anna"),
        ("", "Smith", "Smith"),
        ("", "", "ja01_intake"),
        ("  ", " ", "ja01_intake"),
    ],
)
def test_a_missing_part_leaves_the_other_and_no_name_gives_the_username(
    given: str, family: str, shown: str
) -> None:
    assert display_name(given, family, "ja01_intake") == shown


def test_a_users_name_is_taken_from_first_and_last_name() -> None:
    chinese = User(username="ja01_intake", first_name="小红", last_name="刘")
    assert chinese.get_full_name() == "小红 刘"  # what was shown everywhere before
    assert user_display_name(chinese) == "刘小红"
    assert user_display_name(User(username="asmith", first_name="Anna", last_name="Smith")) == (
        "Anna Smith"
    )
    assert user_display_name(User(username="nobody")) == "nobody"
    assert user_display_name(None) == ""


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("刘小红", ("刘", "小红")),
        ("徐洋", ("徐", "洋")),
        ("欧阳娜", ("欧阳", "娜")),
        ("司马光", ("司马", "光")),
    ],
)
def test_demo_users_are_split_into_family_and_given_name(name: str, parts: tuple[str, str]) -> None:
    family, given = split_name(name)
    assert (family, given) == parts
    assert display_name(given, family) == name
