"""The only way WeasyPrint may load anything while rendering a report.

Reports contain user text (city names, comments, questionnaire texts). It is escaped, but should
markup ever slip through, this fetcher still refuses to read a local file outside the allowed
folders or to open any network connection: it serves ``data:`` URIs and files under the app's
static folder (and the report templates' folder), nothing else.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse


class ForbiddenURL(ValueError):
    """A URL the report renderer may not load; WeasyPrint logs it and leaves the resource out."""


class RestrictedURLFetcher(URLFetcher):
    """``data:`` URIs and ``file:`` URLs inside ``allowed_dirs``; everything else is refused.

    WeasyPrint 70 takes a ``URLFetcher`` subclass whose ``fetch(url, headers)`` returns a
    ``URLFetcherResponse``. Files are read here, not through urllib, so no other scheme handler
    (http, ftp, proxies, redirects) can ever be reached.
    """

    def __init__(self, allowed_dirs: Iterable[str | Path], **kwargs) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, **kwargs)
        self.allowed_dirs = tuple(Path(d).resolve() for d in allowed_dirs)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)  # decoded by urllib's DataHandler, no I/O
        if scheme == "file":
            path = self.allowed_path(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
            )
        raise ForbiddenURL(f"reports may not load {scheme or 'relative'} URLs: {url[:200]}")

    def allowed_path(self, url: str) -> Path:
        """The file a ``file:`` URL names, if it lies inside an allowed folder (links resolved)."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ForbiddenURL(f"reports may not load files from other hosts: {url[:200]}")
        path = Path(url2pathname(parts.path)).resolve()
        if not any(path.is_relative_to(folder) for folder in self.allowed_dirs):
            raise ForbiddenURL(f"reports may not load files outside the app's folders: {path}")
        if not path.is_file():
            raise ForbiddenURL(f"no such file: {path}")
        return path
