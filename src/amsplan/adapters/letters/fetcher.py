"""The URL fetcher WeasyPrint is given for letters: local files and data: URIs only.

A template may refer to a logo next to it or inline an image; nothing is ever fetched
from the network (a letter holds customer data, and printing must not depend on a
server). What this module must not do: import WeasyPrint itself (the caller hands in the
module it has imported) or allow any other scheme.
"""

from __future__ import annotations

from typing import Any

__all__ = ["local_url_fetcher"]


def local_url_fetcher(weasyprint: Any) -> Any:
    """A fetcher for ``weasyprint`` that refuses every URL but ``file:`` and ``data:``."""
    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint >= 66
        return weasyprint.URLFetcher(allowed_protocols={"file", "data"})

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # older WeasyPrint: a function
        if not url.lower().startswith(("file:", "data:")):
            raise ValueError(f"letters never fetch from the network: {url}")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch
