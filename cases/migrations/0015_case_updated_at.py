"""``Case.updated_at``, the time of the change that made the case's current version, and its index
``case_updated`` (``updated_at``, ``id``): the order of the API's change feed
(``GET /api/v1/cases/?updated_after=``).

Existing cases take the time of the first event written at their current version (the intake,
edit or transition that made it: each records ``case_version``), or their registration time if no
such event is found. One UPDATE of every case; docs/api-changelog.md gives its duration.
"""

from django.db import migrations, models

BACKFILL = """
UPDATE cases_case SET updated_at = COALESCE(
    (SELECT MIN(e.at) FROM cases_event e
     WHERE e.case_id = cases_case.id AND e.case_version = cases_case.version),
    cases_case.registered_at
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_saved_searches"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="updated_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="updated at"),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop, elidable=False),
        migrations.AlterField(
            model_name="case",
            name="updated_at",
            field=models.DateTimeField(editable=False, verbose_name="updated at"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["updated_at", "id"], name="case_updated"),
        ),
    ]
