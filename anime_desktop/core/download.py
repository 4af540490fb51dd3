"""Fetch a model file over HTTP(S), only when a person asked for it (`models download`, "Add from URL...").

Nothing here runs by itself: no update checks, no background fetches. A download goes into a
locked temporary file of the one pattern (`core.tempfiles`) in the downloads folder, never into
the models folder; the caller validates and installs it from there, and the temporary file is
removed when the `fetched` block ends, whether it succeeded, failed or was cancelled.

Every way a download can go wrong ends in one `DownloadError` line: an HTTP status (404...),
a web page instead of a model, a server that stops sending (stall timeout), a body shorter than
announced (truncated), more bytes than the size limit, too little free space, a SHA-256 that
does not match the pinned one.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import paths, tempfiles
from .errors import AnimeDesktopError
from .progress import Progress

DEFAULT_MAX_BYTES = 2 * 1024**3  # an ONNX file without external data cannot be larger
DEFAULT_TIMEOUT = 30.0  # seconds to connect, and the longest wait for the next bytes (stall)
SPACE_MARGIN = 64 * 1024**2  # keep this much free beyond the file itself
CHUNK = 1 << 16
SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
HTML_STARTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<?xml", b"<!--")


class DownloadError(AnimeDesktopError):
    """A download that did not give the file that was asked for; `str()` is the one-line reason."""

    def __init__(self, url: str, reason: str) -> None:
        self.url, self.reason = url, reason
        super().__init__(f"{url}: {reason}")


@dataclass(frozen=True)
class Downloaded:
    """A complete download waiting in its temporary file (`path`) until the `fetched` block ends."""

    url: str
    path: Path
    filename: str  # the file's own name, from the final URL's path (e.g. Hayao.onnx)
    size: int
    sha256: str


def downloads_dir() -> Path:
    """Where downloads wait while they arrive and are checked: a cache folder, never the models folder."""
    return paths.cache_dir() / "downloads"


def check_url(url: str) -> str:
    """The URL if it is http(s) with a host; otherwise a one-line ValueError."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f"'{url}' is not an http:// or https:// address")
    return url.strip()


def check_sha256(value: str | None) -> str | None:
    """A pinned SHA-256 as 64 lowercase hex digits (None stays None); otherwise a ValueError."""
    if value is None:
        return None
    if not SHA256_RE.match(value.strip()):
        raise ValueError(f"'{value}' is not a SHA-256 (64 hexadecimal digits)")
    return value.strip().lower()


def filename_for(url: str) -> str:
    """The last part of the URL's path, made safe as a file name (`model.onnx` when there is none)."""
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return name or "model.onnx"


def megabytes(size: int) -> str:
    return f"{size / 1024**2:.1f} MB"


@contextmanager
def fetched(url: str, *, sha256: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
            timeout: float = DEFAULT_TIMEOUT, total_timeout: float | None = None,
            progress: Progress | None = None, folder: Path | None = None) -> Iterator[Downloaded]:
    """Download `url` into a temporary file and yield it; the file is removed when the block ends.

    `timeout` bounds the connection and every wait for more bytes (a stalled server fails after
    it); `total_timeout`, if given, bounds the whole transfer. `progress` gets the fraction and
    a "12.3/45.6 MB" message and is checked for cancel after every chunk.
    """
    url = check_url(url)
    pinned = check_sha256(sha256)
    progress = progress or Progress()
    folder = Path(folder) if folder is not None else downloads_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(url, f"cannot create the downloads folder {folder} ({exc.strerror or exc})") from None
    tempfiles.sweep_stale(folder)
    response = _open(url, timeout)
    try:
        final_url = response.geturl() or url
        name = filename_for(final_url)
        expected = _content_length(response)
        _check_size(url, expected, max_bytes, folder)
        with tempfiles.PartFile(folder / name) as part:
            size, digest = _receive(url, response, part.path, expected, max_bytes, timeout, total_timeout, progress)
            if pinned and digest != pinned:
                raise DownloadError(url, f"SHA-256 mismatch: expected {pinned}, got {digest} (the file on the "
                                         "server is not the one pinned; nothing was installed)")
            progress.set_progress(1.0, f"downloaded {megabytes(size)}")
            yield Downloaded(url=url, path=part.path, filename=name, size=size, sha256=digest)
    finally:
        response.close()


def _open(url: str, timeout: float):
    from .. import __version__

    request = urllib.request.Request(url, headers={"User-Agent": f"anime-desktop/{__version__}", "Accept": "*/*"})
    try:
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - the scheme is checked above
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DownloadError(url, f"the server answered HTTP {exc.code} {exc.reason or ''}".rstrip()) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise DownloadError(url, f"no answer from the server within {timeout:g} s") from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise DownloadError(url, f"cannot reach the server ({text})") from None
    except TimeoutError:
        raise DownloadError(url, f"no answer from the server within {timeout:g} s") from None
    except (http.client.HTTPException, OSError, ValueError) as exc:
        raise DownloadError(url, f"the download failed ({_why(exc)})") from None


def _content_length(response) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        length = int(value) if value is not None else None
    except ValueError:
        return None
    return length if length is not None and length >= 0 else None


def _check_size(url: str, expected: int | None, max_bytes: int, folder: Path) -> None:
    if expected is None:
        return
    if expected > max_bytes:
        raise DownloadError(url, f"the file is {megabytes(expected)}, over the size limit of {megabytes(max_bytes)}")
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if free < expected + SPACE_MARGIN:
        raise DownloadError(url, f"not enough free space in {folder}: the file is {megabytes(expected)}, "
                                 f"{megabytes(free)} free")


def _receive(url: str, response, target: Path, expected: int | None, max_bytes: int, timeout: float,
             total_timeout: float | None, progress: Progress) -> tuple[int, str]:
    """Stream the body into `target`; returns (size, hex SHA-256)."""
    digest = hashlib.sha256()
    size = 0
    started = time.monotonic()
    limit = megabytes(max_bytes)
    with open(target, "wb") as out:
        while True:
            progress.check_aborted()
            try:
                block = response.read(CHUNK)
            except TimeoutError:
                raise DownloadError(url, f"the server stopped sending (nothing for {timeout:g} s after "
                                         f"{megabytes(size)}); try again later") from None
            except http.client.IncompleteRead:
                block = b""  # treated below as the truncated download it is
            except (http.client.HTTPException, OSError) as exc:
                raise DownloadError(url, f"the download broke off after {megabytes(size)} ({_why(exc)})") from None
            if not block:
                break
            if size == 0:
                _refuse_web_page(url, response, block)
            size += len(block)
            if size > max_bytes:
                raise DownloadError(url, f"the file is larger than the size limit of {limit}")
            if total_timeout is not None and time.monotonic() - started > total_timeout:
                raise DownloadError(url, f"the download took longer than {total_timeout:g} s")
            digest.update(block)
            try:
                out.write(block)
            except OSError as exc:  # a full disk when the server gave no length to check beforehand
                raise DownloadError(url, f"cannot write into {target.parent} ({_why(exc)})") from None
            total = f"/{megabytes(expected)}" if expected else ""
            progress.set_progress(size / expected if expected else 0.0, f"{megabytes(size)}{total}")
    if expected is not None and size < expected:
        raise DownloadError(url, f"the download is truncated: {size} of {expected} bytes arrived")
    if size == 0:
        raise DownloadError(url, "the server sent an empty file")
    return size, digest.hexdigest()


def _refuse_web_page(url: str, response, first: bytes) -> None:
    kind = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    head = first[:512].lstrip().lower()
    if kind in ("text/html", "application/xhtml+xml") or head.startswith(HTML_STARTS):
        raise DownloadError(url, "the server sent a web page (HTML), not a model file; use the file's direct "
                                 "download link")


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__.lower()
