"""Celery tasks: thin wrappers that call services. Each is idempotent."""

from celery import shared_task

from .services.idempotency import purge_expired_keys


@shared_task(name="cases.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    return purge_expired_keys()
