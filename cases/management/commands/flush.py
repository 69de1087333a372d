"""Django's ``flush``, able to empty the append-only tables on SQLite too.

Emptying the whole database is the one deletion the timeline and the audit trail allow: on
PostgreSQL it is a TRUNCATE (no row trigger fires); on SQLite Django deletes every row, so this
command opens the append-only switch for the flush's own transaction
(``cases.services.append_only.flushing``). pytest-django empties the database this way between
transactional tests.
"""

from typing import Any

from django.core.management.commands import flush

from ...services.append_only import flushing


class Command(flush.Command):
    help = flush.Command.help + " (The append-only timeline and audit trail included.)"

    def handle(self, **options: Any) -> None:
        with flushing(using=options["database"]):
            super().handle(**options)
