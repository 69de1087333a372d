"""Response headers: a strict Content-Security-Policy, no caching of personal data, and a
Permissions-Policy that denies the browser features the product never uses."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import Tree

TEMPLATES = Path(__file__).resolve().parents[2] / "cases" / "templates"
# Rendered by WeasyPrint into a PDF, never served to a browser.
PDF_ONLY = {"reports/monthly_pdf.html"}


def _policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_carry_a_strict_content_security_policy(db: None) -> None:
    response = Client().get(reverse("web:login"))
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert "http" not in header  # no third-party origin


def test_the_api_answers_carry_the_policy_too(db: None) -> None:
    response = Client().get("/api/v1/cases/")
    assert _policy(response)["default-src"] == ["'self'"]


def _template_files() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).as_posix() not in PDF_ONLY
    )


@pytest.mark.parametrize(
    "path", _template_files(), ids=lambda p: p.relative_to(TEMPLATES).as_posix()
)
def test_no_template_has_inline_script_or_style(path: Path) -> None:
    """Inline script, event handler attributes and style attributes are refused by the policy."""
    source = path.read_text()
    inline_scripts = [tag for tag in re.findall(r"<script\b[^>]*>", source) if "src=" not in tag]
    assert not inline_scripts
    assert not re.search(r"<style\b", source)
    assert not re.search(r"\son[a-z]+\s*=", source)
    assert not re.search(r"\sstyle\s*=", source)


def _inline(html: str) -> list[str]:
    found = [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag]
    found += re.findall(r"\son[a-z]+\s*=\s*[\"'][^\"']*", html)
    found += re.findall(r"\sstyle\s*=\s*[\"'][^\"']*", html)
    return found


def test_the_intake_page_loads_its_behaviour_from_a_static_file(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    html = client_for(tree.intake_s1).get(reverse("web:intake")).content.decode()
    assert "web/intake.js" in html
    assert not _inline(html)


def test_the_admin_centre_tree_needs_no_inline_style(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    html = client_for(tree.admin).get("/admin/cases/centre/").content.decode()
    assert tree.d1.name_zh in html
    assert not re.findall(r"\sstyle\s*=\s*[\"'][^\"']*", html)


def test_the_api_docs_page_has_no_inline_script_or_style(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    client = client_for(tree.admin)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not _inline(html)
    assert "<style" not in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any("script" in src.split("?", 1)[-1] for src in scripts)
    init = client.get(next(src for src in scripts if "?" in src).replace("&amp;", "&"))
    assert init.status_code == 200
    assert "SwaggerUIBundle" in init.content.decode()


def _no_store(response: Any) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_pages_with_personal_data_are_never_stored(
    tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    client = client_for(tree_with_cases.director_d1)
    case = next(c for c in tree_with_cases.cases.values() if c.centre_id == tree_with_cases.d1.pk)
    for url in [
        reverse("web:workbench"),
        reverse("web:case_list"),
        reverse("web:case_export"),
        reverse("web:case_detail", args=[case.pk]),
        reverse("web:reports"),
        "/api/v1/cases/",
        f"/api/v1/cases/{case.pk}/",
        "/api/v1/parties/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), (url, response.get("Cache-Control"))


def test_api_errors_are_never_stored_either(db: None) -> None:
    response = Client().get("/api/v1/cases/")
    assert response.status_code in {401, 403}
    assert _no_store(response)


def test_static_files_keep_their_caching(db: None, settings: Any) -> None:
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/web/app.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_browser_features_are_denied(db: None) -> None:
    header = Client().get(reverse("web:login"))["Permissions-Policy"]
    features = dict(part.strip().split("=", 1) for part in header.split(","))
    for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
        assert features[feature] == "()", feature
