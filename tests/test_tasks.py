"""Periodic housekeeping: old Idempotency-Keys are forgotten, recent ones kept."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.models import IdempotencyKey
from cases.tasks import purge_idempotency_keys
from mediation.celery import app
from tests.factories import UserFactory


@pytest.mark.django_db
def test_purge_forgets_only_keys_past_their_retention(settings) -> None:
    user: Any = UserFactory()
    old = IdempotencyKey.objects.create(user=user, key="old", fingerprint="x")
    IdempotencyKey.objects.create(user=user, key="recent", fingerprint="y")
    IdempotencyKey.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1)
    )
    assert purge_idempotency_keys.delay().get() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]


def test_purge_is_scheduled_and_keys_live_at_least_a_day(settings) -> None:
    assert settings.IDEMPOTENCY_KEY_TTL_HOURS >= 24
    entry = app.conf.beat_schedule["purge-idempotency-keys"]
    assert entry["task"] == purge_idempotency_keys.name
