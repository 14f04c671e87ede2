"""What a brief may load while it is laid out: bundled assets and data: URLs, nothing else.

This is the policy only; `rca.render.pdf` plugs it into WeasyPrint as its URL
fetcher. Deny by default: `file:`, `http(s):`, relative URLs and every other
scheme are refused, so neither a template override nor text from a record can
make rendering read the disk or reach the network. Bundled assets are named
`rca-asset:NAME` and looked up in the template folders (the user's, then rca's
own), never outside them.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rca.errors import RcaError

ASSET_SCHEME = "rca-asset"
# Kinds of file a template may embed; a template folder can hold anything, but
# only these are ever handed to the layout engine.
ASSET_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
_ASSET_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")
_DATA_URL = re.compile(r"data:(?P<type>[^,;]*)(?P<params>(;[^,;]*)*),(?P<data>.*)", re.DOTALL)
MAX_DATA_URL = 8 * 1024 * 1024


class FetchRefused(RcaError):
    """A brief tried to load something that is neither a bundled asset nor a data: URL."""


@dataclass(frozen=True)
class Fetched:
    """The bytes of an allowed resource, with its media type."""

    url: str
    data: bytes
    media_type: str


def fetch(url: str, roots: Sequence[Path]) -> Fetched:
    """The resource at `url` if the policy allows it; raises `FetchRefused` otherwise."""
    scheme, sep, _ = url.partition(":")
    scheme = scheme.strip().lower()
    if sep and scheme == "data":
        return _data_url(url)
    if sep and scheme == ASSET_SCHEME:
        return _bundled(url, roots)
    raise FetchRefused(
        f"refused to load {_shown(url)}: a brief may use only bundled assets "
        f"({ASSET_SCHEME}:NAME) and data: URLs"
    )


def asset_url(name: str) -> str:
    """The URL of a bundled asset, as a template writes it."""
    return f"{ASSET_SCHEME}:{name}"


def data_url(fetched: Fetched) -> str:
    """A resource as a self-contained data: URL (for HTML, which has no fetcher)."""
    return f"data:{fetched.media_type};base64,{base64.b64encode(fetched.data).decode('ascii')}"


def _bundled(url: str, roots: Sequence[Path]) -> Fetched:
    name = urllib.parse.unquote(url.partition(":")[2])
    suffix = Path(name).suffix.lower()
    if not _ASSET_NAME.fullmatch(name) or ".." in name.split("/") or suffix not in ASSET_TYPES:
        raise FetchRefused(f"refused to load {_shown(url)}: not a bundled asset name")
    for root in roots:
        base = root.resolve()
        candidate = (base / name).resolve()
        # resolve() follows symlinks, so a link pointing out of the folder is caught here.
        if candidate.is_relative_to(base) and candidate.is_file():
            return Fetched(url, candidate.read_bytes(), ASSET_TYPES[suffix])
    raise FetchRefused(f"refused to load {_shown(url)}: no such bundled asset")


def _data_url(url: str) -> Fetched:
    if len(url) > MAX_DATA_URL:
        raise FetchRefused("refused to load a data: URL larger than 8 MB")
    match = _DATA_URL.fullmatch(url.strip())
    if match is None:
        raise FetchRefused(f"refused to load {_shown(url)}: malformed data: URL")
    media_type = match["type"].strip().lower() or "text/plain"
    params = [p.strip().lower() for p in match["params"].split(";") if p.strip()]
    payload = match["data"]
    try:
        if "base64" in params:
            data = base64.b64decode(urllib.parse.unquote(payload), validate=False)
        else:
            data = urllib.parse.unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        raise FetchRefused("refused to load a data: URL whose base64 does not decode") from None
    return Fetched(url, data, media_type if "/" in media_type else "application/octet-stream")


def _shown(url: str) -> str:
    return repr(url if len(url) <= 80 else url[:77] + "...")
