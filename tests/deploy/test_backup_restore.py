"""deploy/backup.sh and deploy/restore.sh on a small generated city: the restored database,
its report counters rebuilt, gives the city's reports as they were at the backup, and the
attachments' files lost since are put back."""

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.tools import (
    DEPLOY,
    ROOT,
    apt_ensure,
    base_database_url,
    database_url,
    keys,
    run,
    script_env,
    write_env_file,
)

pytestmark = pytest.mark.slow


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", base_database_url(), "-c", sql],
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    """A database of its own with generate_city --cases 300, and an environment file for it
    (attachments on the filesystem, in a folder of its own)."""
    apt_ensure("postgresql-client")
    base = base_database_url().rsplit("/", 1)[1]
    source, restored = f"{base}_backup_source", f"{base}_backup_restored"
    for name in (source, restored):
        psql(f'DROP DATABASE IF EXISTS "{name}"')
    psql(f'CREATE DATABASE "{source}"')
    secrets = keys()
    folder = tmp_path_factory.mktemp("backup")
    env_file = write_env_file(
        folder / "mediation.env",
        DATABASE_URL=database_url(source),
        ATTACHMENT_ROOT=str(folder / "attachments"),
        **secrets,
    )
    build = script_env(env_file, DEBUG="true", DATABASE_URL=database_url(source), **secrets)
    for command in (["migrate", "-v0"], ["generate_city", "--cases", "300", "--seed", "18"]):
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *command],
            cwd=ROOT,
            env=build,
            check=True,
            capture_output=True,
        )
    try:
        yield env_file, source, restored
    finally:
        for name in (source, restored):
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage_shell(env_file: Path, code: str) -> str:
    shell = run(
        DEPLOY / "bin" / "mediation-manage", "shell", "-c", code, env_file=env_file, timeout=300
    )
    assert shell.returncode == 0, shell.stderr
    return shell.stdout.strip().splitlines()[-1]  # what the code printed last


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
UPLOAD = f"""
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from cases.models import Case
from cases.services.attachments import upload_attachment
admin = User.objects.create_superuser("backup-admin", password=None)
attachment = upload_attachment(
    case=Case.objects.order_by("pk").first(), actor=admin,
    file=ContentFile({PDF!r}, name="借条.pdf"), kind="contract",
)
print(attachment.pk, attachment.file.name)
"""
DOWNLOAD = """
from django.contrib.auth.models import User
from cases.models import Attachment
from cases.services.attachments import download_attachment
download = download_attachment(
    attachment=Attachment.objects.get(pk={pk}), actor=User.objects.get(username="backup-admin")
)
with download.content as content:
    print(download.filename, content.read() == {pdf!r})
"""


def test_backup_then_restore_gives_the_same_city_reports(
    city: tuple[Path, str, str], tmp_path: Path
) -> None:
    env_file, source, restored = city
    backups = tmp_path / "backups"
    backups.mkdir()
    # An older backup, beyond BACKUP_KEEP=1: deleted with its reports and attachments.
    (backups / "mediation-20200101T000000Z.dump").write_text("old")
    (backups / "mediation-20200101T000000Z.reports.json").write_text("{}")
    (backups / "mediation-20200101T000000Z.attachments.tar").write_text("old")
    # A file uploaded to a case before the backup.
    pk, name = manage_shell(env_file, UPLOAD).split(" ")
    attachments = env_file.parent / "attachments"
    stored = attachments / name
    assert stored.read_bytes() == PDF

    backup = run(DEPLOY / "backup.sh", backups, env_file=env_file, timeout=600, BACKUP_KEEP="1")
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())
    assert dump.parent == backups and dump.suffix == ".dump"
    assert sorted(path.name for path in backups.iterdir()) == [
        dump.with_suffix(".attachments.tar").name,
        dump.name,
        dump.with_suffix(".reports.json").name,
    ]
    assert f" from {attachments}, in " in backup.stderr

    # The file is lost (a disk, a mistaken rm) after the backup.
    stored.unlink()
    saved = json.loads(dump.with_suffix(".reports.json").read_text())
    city_reports = saved["reports"]["WH"]
    assert len(city_reports) == 13
    assert sum(report["figures"]["received"] for report in city_reports.values()) > 0

    restore = run(DEPLOY / "restore.sh", dump, restored, env_file=env_file, timeout=600)
    assert restore.returncode == 0, restore.stderr
    assert "The 13 reports equal those of" in restore.stdout
    assert "Rebuilt the report counters from 300 cases" in restore.stdout
    assert f"attachments: 1 missing files put back into {attachments}" in restore.stdout
    assert stored.read_bytes() == PDF

    # A restore never writes over a database.
    again = run(DEPLOY / "restore.sh", dump, restored, env_file=env_file, timeout=600)
    assert again.returncode == 65
    assert f"DATABASE: '{restored}' exists already" in again.stderr

    # The comparison fails, naming the figure, when the restored reports differ from the saved.
    month = sorted(city_reports)[0]
    city_reports[month]["figures"]["received"] += 1
    altered = tmp_path / "altered.reports.json"
    altered.write_text(json.dumps(saved))
    settings = env_file.read_text()
    assert f"DATABASE_URL={database_url(source)}\n" in settings
    restored_env = tmp_path / "restored.env"
    restored_env.write_text(
        settings.replace(
            f"DATABASE_URL={database_url(source)}\n", f"DATABASE_URL={database_url(restored)}\n"
        )
    )
    # The restored database's attachment downloads, from the file put back.
    assert manage_shell(restored_env, DOWNLOAD.format(pk=pk, pdf=PDF)) == "借条.pdf True"
    compare = run(
        DEPLOY / "bin" / "mediation-manage",
        "report_figures",
        "--compare",
        altered,
        env_file=restored_env,
        timeout=600,
    )
    assert compare.returncode != 0
    assert f"/WH/{month}/figures/received:" in compare.stderr
