"""Delete the files of the attachments storage that no attachment refers to (docs/deploy.md,
"Attachments")."""

import posixpath
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.core.files.storage import Storage, storages
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Q
from django.utils import timezone

from cases.models import Attachment

#: A file younger than this is never touched: its upload may still be in its transaction.
MIN_AGE = timedelta(hours=1)
#: Names looked up in the database at a time.
BATCH = 500


def stored_files(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file's name under ``path``, folder by folder (the filesystem or an object store)."""
    try:
        folders, files = storage.listdir(path)
    except FileNotFoundError:  # no upload yet: the folder is made by the first
        return
    for name in sorted(files):
        yield posixpath.join(path, name)
    for folder in sorted(folders):
        yield from stored_files(storage, posixpath.join(path, folder))


def referenced(names: list[str]) -> set[str]:
    """Those of ``names`` that an attachment's file or thumbnail is."""
    rows = Attachment.objects.filter(Q(file__in=names) | Q(thumbnail__in=names))
    return {name for pair in rows.values_list("file", "thumbnail") for name in pair if name}


class Command(BaseCommand):
    help = (
        "Delete the files in the attachments storage (ATTACHMENT_ROOT, or the S3 bucket) that "
        "no attachment refers to, left by a process that died during an upload. Files younger "
        "than an hour are left alone (an upload may be in progress). --dry-run lists them only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List the files; delete nothing."
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        storage = storages["attachments"]
        cutoff = timezone.now() - MIN_AGE
        counts = {"files": 0, "orphans": 0, "young": 0, "bytes": 0}

        def sweep(batch: list[str]) -> None:
            kept = referenced(batch)
            for name in batch:
                if name in kept:
                    continue
                if storage.get_modified_time(name) > cutoff:
                    counts["young"] += 1
                    continue
                size = storage.size(name)
                counts["orphans"] += 1
                counts["bytes"] += size
                if not dry_run:
                    storage.delete(name)
                verb = "would delete" if dry_run else "deleted"
                self.stdout.write(f"{verb} {name} ({size} bytes)")

        batch: list[str] = []
        for name in stored_files(storage):
            counts["files"] += 1
            batch.append(name)
            if len(batch) >= BATCH:
                sweep(batch)
                batch = []
        if batch:
            sweep(batch)
        outcome = "listed, none deleted (--dry-run)" if dry_run else "deleted"
        self.stdout.write(
            f"{counts['files']} files stored; {counts['orphans']} that no attachment refers to "
            f"({counts['bytes']} bytes): {outcome}; {counts['young']} younger than an hour "
            "without an attachment left alone."
        )
