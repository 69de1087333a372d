"""Settings of the benchmark's web server (``make bench``): the product's own, with a bare DRF
hello-world endpoint beside it (figure P6 compares the case-detail API with it)."""

from mediation.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
