"""The static files' storage with ``DEBUG`` off: what ``collectstatic`` writes into ``STATIC_ROOT``.

WhiteNoise's manifest storage (names carrying a hash of the content, so that an upgrade changes the
names a page refers to), with a gzip copy beside each file worth compressing, which nginx sends
(``gzip_static on`` in deploy/nginx/mediation.conf). No Brotli copy: Debian's nginx cannot send
one, and making them took ~40 of collectstatic's ~46 s on two cores (Swagger UI and ReDoc are
most of the bytes), at every upgrade.
"""

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class GzipManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs: Any) -> Compressor:
        return super().create_compressor(**{**kwargs, "use_brotli": False})
