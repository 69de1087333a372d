"""Fill the keyed hash of the last four digits of each party's phone (``Party.phone_tail_hash``,
issue 21) for the parties registered before it existed. Run once after upgrading (docs/deploy.md);
running it again does nothing more."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from cases import personal_data
from cases.models import Party


class Command(BaseCommand):
    help = (
        "Fill the hash of the last four digits of the parties' phones (search by 尾号) where it "
        "is missing: decrypts each phone, in batches."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        missing = (
            Party.objects.filter(phone_tail_hash="").exclude(phone_encrypted="").order_by("pk")
        )
        total, done, last_pk = missing.count(), 0, 0
        with tqdm(total=total, unit="party", disable=None) as bar:
            while True:
                with transaction.atomic():
                    rows = list(
                        missing.filter(pk__gt=last_pk)
                        .select_for_update()
                        .only("pk", "phone_encrypted")[:batch]
                    )
                    if not rows:
                        break
                    for row in rows:
                        phone = personal_data.decrypt(row.phone_encrypted)
                        row.phone_tail_hash = personal_data.tail_digest(phone)
                    Party.objects.bulk_update(rows, ["phone_tail_hash"])
                last_pk = rows[-1].pk
                done += len(rows)
                bar.update(len(rows))
        self.stdout.write(f"Filled the phone tail hash of {done} parties.")
