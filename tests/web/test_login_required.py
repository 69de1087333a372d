"""Every page of the web UI asks an anonymous visitor to log in, and leaks nothing."""

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from cases.web import urls as web_urls

PUBLIC = {"login", "logout"}  # logging out anonymously just lands on the login page


def _pages() -> list[URLPattern]:
    return [p for p in web_urls.urlpatterns if isinstance(p, URLPattern) and p.name not in PUBLIC]


def _url(pattern: URLPattern) -> str:
    kwargs: dict[str, Any] = {}
    for name, converter in pattern.pattern.converters.items():
        kwargs[name] = "accept" if converter.regex == "[^/]+" else 1
    return reverse(f"web:{pattern.name}", kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", _pages(), ids=lambda p: p.name)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_log_in(pattern: URLPattern, method: str) -> None:
    url = _url(pattern)
    response = getattr(Client(), method)(url)
    if method == "post" and response.status_code == 405:
        return  # a read-only page refuses the method before anything else
    assert response.status_code == 302, (url, response.status_code)
    assert response["Location"].startswith(reverse("web:login") + "?next=")
