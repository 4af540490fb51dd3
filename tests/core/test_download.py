"""`core.download` against an HTTP server on 127.0.0.1 that the test starts: the good file and each
way a download goes wrong, with nothing left behind (no temporary file, nothing in the models folder)."""

from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from anime_desktop.core import download, paths
from anime_desktop.core.errors import Cancelled
from anime_desktop.core.progress import Progress
from tests import onnx_models

HTML = b"<!DOCTYPE html><html><head><title>Releases</title></head><body>Download here</body></html>"


class ModelServer:
    """Routes: /good.onnx, /plain.onnx (no metadata), /truncated.onnx, /missing.onnx (404),
    /page.onnx (text/html), /sniffed.onnx (HTML sent as octet-stream), /stall.onnx,
    /nolength.onnx (no Content-Length), /garbage.onnx (not a model)."""

    def __init__(self, folder: Path) -> None:
        self.good = onnx_models.colour_model(folder / "good-src.onnx").read_bytes()
        self.plain = onnx_models.colour_model(folder / "plain-src.onnx", meta=False).read_bytes()
        self.release = threading.Event()  # lets a stalled handler end at teardown
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _head(self, code: int, kind: str, length: int | None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                if length is not None:
                    self.send_header("Content-Length", str(length))
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                route = self.path.split("?")[0]
                octet = "application/octet-stream"
                if route in ("/good.onnx", "/plain.onnx"):
                    body = server.good if route == "/good.onnx" else server.plain
                    self._head(200, octet, len(body))
                    self.wfile.write(body)
                elif route == "/truncated.onnx":  # announces more than it sends, then closes
                    self._head(200, octet, len(server.good) + 5000)
                    self.wfile.write(server.good[: len(server.good) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                elif route == "/page.onnx":
                    self._head(200, "text/html; charset=utf-8", len(HTML))
                    self.wfile.write(HTML)
                elif route == "/sniffed.onnx":
                    self._head(200, octet, len(HTML))
                    self.wfile.write(HTML)
                elif route == "/stall.onnx":  # sends a little, then nothing
                    self._head(200, octet, len(server.good))
                    self.wfile.write(server.good[:100])
                    self.wfile.flush()
                    server.release.wait(10)
                elif route == "/nolength.onnx":  # HTTP/1.0: the body ends when the connection closes
                    self._head(200, octet, None)
                    self.wfile.write(server.good)
                elif route == "/garbage.onnx":
                    body = bytes(range(256)) * 8
                    self._head(200, octet, len(body))
                    self.wfile.write(body)
                else:
                    self.send_error(404, "Not Found")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, route: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{route}"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    srv = ModelServer(folder)
    yield srv
    srv.close()


def leftovers() -> list[Path]:
    """Everything in the downloads folder and the models folder (both must be empty after a failure)."""
    found = []
    for folder in (download.downloads_dir(), paths.models_dir()):
        if folder.is_dir():
            found += list(folder.iterdir())
    return found


def test_a_good_file_arrives_whole_with_its_hash_and_the_temporary_file_goes(server):
    seen = []
    progress = Progress(on_change=lambda f, m: seen.append((f, m)))
    with download.fetched(server.url("good.onnx"), progress=progress) as got:
        assert got.path.read_bytes() == server.good
        assert got.path.parent == download.downloads_dir() and got.path.name.startswith(".good.")
        assert got.filename == "good.onnx" and got.size == len(server.good)
        assert got.sha256 == hashlib.sha256(server.good).hexdigest()
    assert leftovers() == []
    assert seen[-1][0] == 1.0 and any("MB" in m for _, m in seen)


def test_a_pinned_hash_that_matches_is_accepted(server):
    pinned = hashlib.sha256(server.good).hexdigest().upper()
    with download.fetched(server.url("good.onnx"), sha256=pinned) as got:
        assert got.sha256 == pinned.lower()


def test_a_body_without_length_is_read_to_the_end(server):
    with download.fetched(server.url("nolength.onnx")) as got:
        assert got.path.read_bytes() == server.good


@pytest.mark.parametrize(("route", "kwargs", "words"), [
    ("good.onnx", {"sha256": "0" * 64}, "SHA-256 mismatch: expected 000"),
    ("truncated.onnx", {}, "truncated"),
    ("missing.onnx", {}, "HTTP 404"),
    ("page.onnx", {}, "web page (HTML), not a model"),
    ("sniffed.onnx", {}, "web page (HTML), not a model"),
    ("good.onnx", {"max_bytes": 100}, "over the size limit"),
    ("nolength.onnx", {"max_bytes": 100}, "larger than the size limit"),
])
def test_each_failure_is_one_line_and_leaves_nothing(server, route, kwargs, words):
    with pytest.raises(download.DownloadError) as info:
        with download.fetched(server.url(route), **kwargs):
            pytest.fail("a failed download must not reach the block")
    message = str(info.value)
    assert words in message and "\n" not in message and message.startswith(server.url(route))
    assert leftovers() == []


def test_a_stalled_server_fails_after_the_stall_timeout(server):
    started = time.monotonic()
    with pytest.raises(download.DownloadError, match="stopped sending"):
        with download.fetched(server.url("stall.onnx"), timeout=0.5):
            pass
    assert time.monotonic() - started < 5
    assert leftovers() == []


def test_not_enough_free_space_is_refused_before_downloading(server, monkeypatch):
    class Usage:
        free = 1024

    monkeypatch.setattr(download.shutil, "disk_usage", lambda folder: Usage)
    with pytest.raises(download.DownloadError, match="not enough free space"):
        with download.fetched(server.url("good.onnx")):
            pass
    assert leftovers() == []


def test_cancel_stops_the_download_and_removes_the_file(server):
    progress = Progress()
    progress.abort()
    with pytest.raises(Cancelled):
        with download.fetched(server.url("good.onnx"), progress=progress):
            pass
    assert leftovers() == []


def test_an_error_inside_the_block_removes_the_file(server):
    with pytest.raises(RuntimeError):
        with download.fetched(server.url("good.onnx")) as got:
            assert got.path.is_file()
            raise RuntimeError("validation failed")
    assert leftovers() == []


def test_a_server_that_is_not_there(tmp_path):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(download.DownloadError, match="cannot reach the server"):
        with download.fetched(f"http://127.0.0.1:{port}/x.onnx", timeout=2):
            pass


@pytest.mark.parametrize("url", ["ftp://example.org/x.onnx", "file:///etc/passwd", "x.onnx", "http://"])
def test_only_http_addresses_are_fetched(url):
    with pytest.raises(ValueError, match="not an http"):
        download.check_url(url)


def test_sha256_must_be_64_hex_digits():
    assert download.check_sha256(None) is None
    assert download.check_sha256("AB" * 32) == "ab" * 32
    with pytest.raises(ValueError, match="64 hexadecimal"):
        download.check_sha256("abc")


def test_file_names_come_from_the_url():
    assert download.filename_for("https://h/releases/download/v1/Hayao%2064.onnx?x=1") == "Hayao_64.onnx"
    assert download.filename_for("https://h/") == "model.onnx"
    assert download.filename_for("https://h/../..") == "model.onnx"


def test_a_full_disk_while_writing_is_one_line_and_leaves_nothing(server, monkeypatch):
    import builtins

    real_open = builtins.open

    class Full:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, block):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(download, "open", lambda path, mode="r": Full(real_open(path, mode)), raising=False)
    with pytest.raises(download.DownloadError, match="No space left on device"):
        with download.fetched(server.url("nolength.onnx")):
            pass
    assert leftovers() == []
