"""PDF documents rendered from templates with WeasyPrint: the agreement, the closing summary, the
monthly report.

WeasyPrint needs system libraries (Pango, HarfBuzz) that a developer's laptop may lack, so it is
imported only when a PDF is asked for: the rest of the product starts and works without it, and a
PDF request then gets a translated "not available" page (503) instead of a crash.

WeasyPrint fetches nothing over the network: the only resources it may load are the project's own
static files, read from disk (collected files first, then the apps' static folders). Fonts come
from the system's fontconfig (Debian's ``fonts-noto-cjk`` for Chinese).
"""

import logging
import mimetypes
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Characters kept in a download's file name; anything else (quotes, slashes) becomes "_".
SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


class PdfUnavailable(Exception):
    """WeasyPrint or the system libraries it needs are missing on this machine."""


def static_file_path(url: str) -> Path | None:
    """The file on disk behind a URL under ``STATIC_URL`` (any host), or None."""
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    path = unquote(urlsplit(url).path)
    if not path.startswith(prefix):
        return None
    name = path.removeprefix(prefix)
    if not name or ".." in Path(name).parts:
        return None
    # Collected files hold the hashed names that production's {% static %} produces.
    try:
        collected = Path(staticfiles_storage.path(name))
    except NotImplementedError:
        collected = None
    if collected is not None and collected.is_file():
        return collected
    found = finders.find(name)
    if isinstance(found, list):
        found = found[0] if found else None
    return Path(found) if found else None


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango or HarfBuzz not installed
        logger.warning("PDF rendering is unavailable: %s", error)
        raise PdfUnavailable(str(error)) from error
    return weasyprint


def _local_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that serves static files from disk and refuses everything else."""

    class LocalStaticFetcher(weasyprint.urls.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_file_path(url)
            if path is None:
                raise ValueError(f"Only the project's static files may be loaded, not {url}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(
                path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
            )

    return LocalStaticFetcher()


# Where relative URLs of a document made without a request (a task's e-mail attachment) point: the
# fetcher reads only the path of a static URL, so the host does not matter.
OFFLINE_BASE_URL = "http://localhost/"


def render_pdf(
    template_name: str, context: dict[str, Any], request: HttpRequest | None = None
) -> bytes:
    """Render ``template_name`` with ``context`` (as for the request, if any) into a PDF.

    Raises ``PdfUnavailable`` when WeasyPrint cannot be loaded on this machine.
    """
    weasyprint = _weasyprint()
    html = render_to_string(template_name, context, request=request)
    document = weasyprint.HTML(
        string=html,
        base_url=request.build_absolute_uri("/") if request is not None else OFFLINE_BASE_URL,
        url_fetcher=_local_fetcher(weasyprint),
        media_type="print",
    )
    return bytes(document.write_pdf())


def preload() -> bool:
    """Import WeasyPrint and the libraries behind it now (about 0.7 s of the 0.8 s a process's
    first PDF costs): gunicorn's master does it before it forks its workers
    (``deploy/gunicorn.conf.py``), so every web worker starts with it loaded and shares its memory;
    the CJK font is then loaded by a worker's first PDF (under 0.1 s). False without WeasyPrint."""
    try:
        _weasyprint()
    except PdfUnavailable:
        return False
    return True


# A line in the report's font: rendering it loads Pango, fontconfig's cache and the CJK face.
WARM_UP_HTML = "<p style=\"font-family: 'Noto Sans CJK SC'\">调解 mediation 0123</p>"


def warm_up() -> bool:
    """Load WeasyPrint and the CJK font now, once per process (a worker's child at start), so that
    no PDF a user or the monthly run waits for pays for it (about 1.7 s: importing WeasyPrint
    and the libraries behind it; the font is then cached by Pango). False without WeasyPrint."""
    try:
        weasyprint = _weasyprint()
    except PdfUnavailable:
        return False
    weasyprint.HTML(string=WARM_UP_HTML).write_pdf()
    return True


def pdf_unavailable(request: HttpRequest, fallback_url: str | None = None) -> HttpResponse:
    """The translated 503 page saying PDFs cannot be made here, offering ``fallback_url`` (e.g. the
    HTML print view) instead."""
    return render(
        request,
        "web/pdf_unavailable.html",
        {
            "message": _(
                "PDF documents cannot be produced on this server: the PDF renderer "
                "(WeasyPrint and its system libraries) is not installed. Use the print "
                "view and your browser's “Print” or “Save as PDF” instead."
            ),
            "fallback_url": fallback_url,
        },
        status=503,
    )


def pdf_file(content: bytes, filename: str, *, disposition: str = "inline") -> HttpResponse:
    """A PDF answer, shown in the browser (``inline``) or saved (``attachment``) as ``filename``."""
    response = HttpResponse(content, content_type="application/pdf")
    safe_name = SAFE_FILENAME.sub("_", filename)
    response["Content-Disposition"] = f'{disposition}; filename="{safe_name}"'
    return response


def pdf_response(
    request: HttpRequest,
    template_name: str,
    context: dict[str, Any],
    *,
    filename: str,
    fallback_url: str | None = None,
) -> HttpResponse:
    """The PDF shown in the browser (``inline``), or a 503 page saying PDFs are unavailable.

    ``fallback_url`` (e.g. the HTML print view) is offered on that page instead.
    """
    try:
        content = render_pdf(template_name, context, request)
    except PdfUnavailable:
        return pdf_unavailable(request, fallback_url)
    return pdf_file(content, filename)
