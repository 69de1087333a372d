"""Celery tasks: thin wrappers that call services. Each is idempotent."""

from celery import shared_task

from .services.idempotency import purge_expired_keys
from .services.notifications import send_emails


@shared_task(name="cases.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    return purge_expired_keys()


# The ``notify_`` prefix of the name routes it to the "notifications" queue (mediation/celery.py).
@shared_task(name="cases.tasks.notify_by_email")
def send_notification_emails(ids: list[int]) -> int:
    """E-mail the notifications ``ids`` not yet e-mailed; return how many were sent."""
    return send_emails(ids)
