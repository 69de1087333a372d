"""Re-encrypt personal data under the current FIELD_ENCRYPTION_KEY after a key rotation."""

from functools import reduce
from operator import or_
from typing import Any

from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models import Q
from tqdm import tqdm

from cases import personal_data
from cases.models import Party, SavedFilter, SavedSearch

# Every encrypted column: the parties' identities, and the searches kept server-side (a saved
# filter lives as long as its owner keeps it, so it must follow the key too).
ENCRYPTED: tuple[tuple[str, type[models.Model], tuple[str, ...]], ...] = (
    ("parties", Party, ("id_number_encrypted", "phone_encrypted")),
    ("saved filters", SavedFilter, ("search_encrypted",)),
    ("saved searches", SavedSearch, ("query_encrypted",)),
)


class Command(BaseCommand):
    help = (
        "Re-encrypt parties' ID numbers and phones, and saved searches and filters, that are still "
        "under an older key. Put the new key first in FIELD_ENCRYPTION_KEY, keep the old one after "
        "it, run this, then remove the old key."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        current = personal_data.keyring().current_id + "$"
        for label, model, fields in ENCRYPTED:
            done = self._rotate(model, fields, current, batch)
            self.stdout.write(f"Re-encrypted {done} {label} under key {current[:-1]!r}.")

    def _rotate(
        self, model: type[models.Model], fields: tuple[str, ...], current: str, batch: int
    ) -> int:
        stale = model._default_manager.filter(
            reduce(
                or_,
                (~Q(**{field: ""}) & ~Q(**{f"{field}__startswith": current}) for field in fields),
            )
        ).order_by("pk")
        total, done, last_pk = stale.count(), 0, 0
        with tqdm(total=total, unit="row", disable=None) as bar:
            while True:
                with transaction.atomic():
                    rows = list(stale.filter(pk__gt=last_pk).select_for_update()[:batch])
                    if not rows:
                        break
                    for row in rows:
                        for field in fields:
                            value = getattr(row, field)
                            if personal_data.needs_rotation(value):
                                setattr(
                                    row, field, personal_data.encrypt(personal_data.decrypt(value))
                                )
                    model._default_manager.bulk_update(rows, list(fields))
                last_pk = rows[-1].pk
                done += len(rows)
                bar.update(len(rows))
        return done
