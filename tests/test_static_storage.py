"""What collectstatic writes with DEBUG off (``mediation.staticfiles``): hashed names, and beside
each compressible file the gzip copy that nginx sends (``gzip_static``); no Brotli copy, which
Debian's nginx cannot send and which took most of collectstatic's time."""

import gzip
from pathlib import Path

from mediation.staticfiles import GzipManifestStaticFilesStorage
from tests.test_settings import SECRETS, run_django


def test_production_collects_static_files_with_gzip_copies_only(tmp_path: Path) -> None:
    result = run_django(
        "from django.conf import settings as s; print(s.STORAGES['staticfiles']['BACKEND'])",
        DEBUG="0",
        **SECRETS,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "mediation.staticfiles.GzipManifestStaticFilesStorage"

    css = "".join(f".c{n} {{ margin: {n}px; }}\n" for n in range(400))
    (tmp_path / "app.css").write_text(css)
    storage = GzipManifestStaticFilesStorage(location=tmp_path, base_url="/static/")

    written = list(storage.compress_files(["app.css"]))

    assert written == [("app.css", "app.css.gz")]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["app.css", "app.css.gz"]
    assert gzip.decompress((tmp_path / "app.css.gz").read_bytes()).decode() == css
