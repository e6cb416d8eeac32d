"""PDF rendering with WeasyPrint from Django templates under templates/pdf/.

Reports are rendered in Celery tasks, never in a request (see DESIGN.md, "PDF reports").
"""

import mimetypes
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class ForbiddenResource(ValueError):
    """A report referred to something other than the project's own static files."""


class StaticFilesFetcher(URLFetcher):
    """Gives WeasyPrint the project's static files and nothing else.

    The network, other local files and data: URLs are all refused. WeasyPrint needs no data: URLs
    for itself (its user-agent stylesheets are built in), and a chart in a report belongs inline as
    SVG, so allowing them would only widen what a report can pull in. WeasyPrint logs a refused
    resource as an error and renders the page without it.
    """

    def __init__(self) -> None:
        # No timeout or HTTP options: fetch() below never opens a connection.
        super().__init__()
        self.static_prefix = urljoin(settings.SITE_URL, settings.STATIC_URL)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if not url.startswith(self.static_prefix):
            raise ForbiddenResource(f"not one of the project's static files: {url}")
        name = unquote(urlsplit(url).path.removeprefix(urlsplit(self.static_prefix).path))
        if PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts:
            raise ForbiddenResource(f"path leaves the static files: {url}")
        return URLFetcherResponse(
            url,
            body=_static_file_bytes(name),
            headers={"Content-Type": mimetypes.guess_type(name)[0] or "application/octet-stream"},
        )


def _static_file_bytes(name: str) -> bytes:
    # The finders know the source files (development, tests); {% static %} names hashed copies
    # under production's manifest storage, which exist only in STATIC_ROOT after collectstatic.
    path = finders.find(name)
    if path:
        with open(path, "rb") as file:
            return file.read()
    if staticfiles_storage.exists(name):
        with staticfiles_storage.open(name) as file:
            return file.read()
    raise FileNotFoundError(f"no static file {name}")


def render_pdf(template_name: str, context: dict) -> bytes:
    html = render_to_string(template_name, context)
    # The site's address as base: relative links in a report point at the site, and /static/… URLs
    # become absolute URLs that the fetcher recognises as the project's own.
    document = HTML(string=html, base_url=settings.SITE_URL, url_fetcher=StaticFilesFetcher())
    # PDF/UA-1: a tagged PDF (headings, tables and reading order for screen readers) whose viewer
    # shows the <title> rather than the file name; its /Lang comes from <html lang>. Councils must
    # publish accessible documents (Public Sector Bodies Accessibility Regulations 2018).
    return document.write_pdf(pdf_variant="pdf/ua-1")
