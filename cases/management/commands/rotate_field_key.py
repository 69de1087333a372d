"""Re-encrypt personal data under the current FIELD_ENCRYPTION_KEY after a key rotation."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from tqdm import tqdm

from cases import personal_data
from cases.models import Party


class Command(BaseCommand):
    help = (
        "Re-encrypt parties' ID numbers and phones that are still under an older key. "
        "Put the new key first in FIELD_ENCRYPTION_KEY, keep the old one after it, run this, "
        "then remove the old key."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        current = personal_data.keyring().current_id + "$"
        stale = Party.objects.filter(
            (~Q(id_number_encrypted="") & ~Q(id_number_encrypted__startswith=current))
            | (~Q(phone_encrypted="") & ~Q(phone_encrypted__startswith=current))
        ).order_by("pk")
        total, done, last_pk = stale.count(), 0, 0
        with tqdm(total=total, unit="party", disable=None) as bar:
            while True:
                with transaction.atomic():
                    rows = list(stale.filter(pk__gt=last_pk).select_for_update()[:batch])
                    if not rows:
                        break
                    for party in rows:
                        for field in ("id_number_encrypted", "phone_encrypted"):
                            value = getattr(party, field)
                            if personal_data.needs_rotation(value):
                                setattr(
                                    party,
                                    field,
                                    personal_data.encrypt(personal_data.decrypt(value)),
                                )
                    Party.objects.bulk_update(rows, ["id_number_encrypted", "phone_encrypted"])
                last_pk = rows[-1].pk
                done += len(rows)
                bar.update(len(rows))
        self.stdout.write(f"Re-encrypted {done} parties under key {current[:-1]!r}.")
