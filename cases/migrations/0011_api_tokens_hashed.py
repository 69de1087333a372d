"""API tokens move from DRF's ``authtoken`` (keys stored in clear, never expiring) to django-rest-knox
(only a hash stored, expiring once unused).

Each DRF token is carried over with the same key, so integrators are not cut off: its hash goes into
knox's table with a fresh expiry (``API_TOKEN_TTL_DAYS`` from now). The table that held the clear
keys is then dropped, with the migration records, content types and permissions of ``authtoken``,
which is no longer installed. On a database that never had DRF tokens this does nothing. It cannot
be undone (the clear keys are gone), so going back leaves knox's tokens as they are.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

OLD_TABLE = "authtoken_token"


def carry_drf_tokens_over(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    ContentType = apps.get_model("contenttypes", "ContentType")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {schema_editor.quote_name('key')}, user_id, created "
            f"FROM {schema_editor.quote_name(OLD_TABLE)}"
        )
        rows = cursor.fetchall()
    expiry = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    tokens = AuthToken.objects.using(connection.alias)
    for key, user_id, created in rows:
        digest = hash_token(key)
        tokens.create(
            digest=digest,
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=expiry,
        )
        tokens.filter(digest=digest).update(created=created)  # ``created`` is auto_now_add
    schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()
    ContentType.objects.using(connection.alias).filter(app_label="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("knox", "0009_extend_authtoken_field"),
        ("cases", "0010_report_email_queued_at"),
    ]

    operations = [migrations.RunPython(carry_drf_tokens_over, migrations.RunPython.noop)]
