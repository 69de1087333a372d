"""deploy/backup.sh and deploy/restore.sh on a small generated city: the restored database,
its report counters rebuilt, gives the city's reports as they were at the backup."""

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
    """A database of its own with generate_city --cases 300, and an environment file for it."""
    apt_ensure("postgresql-client")
    base = base_database_url().rsplit("/", 1)[1]
    source, restored = f"{base}_backup_source", f"{base}_backup_restored"
    for name in (source, restored):
        psql(f'DROP DATABASE IF EXISTS "{name}"')
    psql(f'CREATE DATABASE "{source}"')
    secrets = keys()
    env_file = write_env_file(
        tmp_path_factory.mktemp("backup") / "mediation.env",
        DATABASE_URL=database_url(source),
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


def test_backup_then_restore_gives_the_same_city_reports(
    city: tuple[Path, str, str], tmp_path: Path
) -> None:
    env_file, source, restored = city
    backups = tmp_path / "backups"
    backups.mkdir()
    # An older backup, beyond BACKUP_KEEP=1: deleted with its reports.
    (backups / "mediation-20200101T000000Z.dump").write_text("old")
    (backups / "mediation-20200101T000000Z.reports.json").write_text("{}")

    backup = run(DEPLOY / "backup.sh", backups, env_file=env_file, timeout=600, BACKUP_KEEP="1")
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())
    assert dump.parent == backups and dump.suffix == ".dump"
    assert sorted(path.name for path in backups.iterdir()) == [
        dump.name,
        dump.with_suffix(".reports.json").name,
    ]
    saved = json.loads(dump.with_suffix(".reports.json").read_text())
    city_reports = saved["reports"]["WH"]
    assert len(city_reports) == 13
    assert sum(report["figures"]["received"] for report in city_reports.values()) > 0

    restore = run(DEPLOY / "restore.sh", dump, restored, env_file=env_file, timeout=600)
    assert restore.returncode == 0, restore.stderr
    assert "The 13 reports equal those of" in restore.stdout
    assert "Rebuilt the report counters from 300 cases" in restore.stdout

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
