"""One naming pattern for every temporary file the app writes, and the sweep of stale ones.

Every writer (images, videos, recordings, the model store, settings and data files) first
writes `.<final stem>.<8 hex>.part.<ext>` beside its target and moves it into place when it
is complete (CONTRACTS.md). The extension comes last because OpenCV and PyAV choose the
container from it. A process killed mid-write (SIGKILL, power loss) leaves such a file
behind; the next run that writes into that folder removes it with `sweep_stale`.

What "stale" means, without pids or clocks: a writer holds an exclusive `flock` on its
temporary file for as long as it writes (`PartFile`), and the kernel drops that lock when the
process dies, however it dies. The sweep removes a matching file only if it can take that
lock itself, so a second process writing into the same folder right now keeps its file. An
age threshold would be wrong both ways: a just-killed batch's file is seconds old, and a long
video conversion is hours old yet alive. On Windows, where there is no `flock`, a file that
is open cannot be deleted, so a live writer's file survives the sweep the same way.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import sys
from pathlib import Path

try:  # POSIX advisory locks; Windows refuses to delete open files instead
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

log = logging.getLogger(__name__)

# `.<stem>.<8 lowercase hex>.part` then an optional `.<ext>`. Nothing else is ever swept.
PART_RE = re.compile(r"^\.(?P<stem>.+)\.(?P<token>[0-9a-f]{8})\.part(?P<ext>\.[A-Za-z0-9]+)?$")


def part_name(target: str | Path) -> Path:
    """A fresh temporary path beside `target`: `.img_toon.ab12cd34.part.png`."""
    target = Path(target)
    return target.with_name(f".{target.stem}.{secrets.token_hex(4)}.part{target.suffix}")


def is_part(name: str) -> bool:
    """True for names of the one temporary-file pattern (what `sweep_stale` may remove)."""
    return PART_RE.match(name) is not None


class PartFile:
    """A locked temporary file beside `target`, removed on exit unless `publish` moved it.

    Use as a context manager; write to `.path` (by path, as OpenCV and PyAV do, or by opening
    it), then `publish()`. The lock is held until the file is in place, so a sweep by another
    process never takes a live file.
    """

    def __init__(self, target: str | Path) -> None:
        self.target = Path(target)
        self.path = part_name(self.target)
        self._fd: int | None = None

    def __enter__(self) -> PartFile:
        return self.reserve()

    def __exit__(self, *exc) -> None:
        self.discard()

    def reserve(self) -> PartFile:
        """Create and lock the temporary file (what `with` does; for writers spread over a generator)."""
        for _ in range(8):
            self.path = part_name(self.target)
            try:
                self._fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                continue
            if self._lock_still_ours():
                return self
        raise FileExistsError(errno.EEXIST, "no free temporary name", str(self.target))

    def _lock_still_ours(self) -> bool:
        """Lock the new file; a sweep may have removed it between create and lock: then retry."""
        if fcntl is None:
            return True
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        if os.fstat(self._fd).st_nlink == 0:
            os.close(self._fd)
            self._fd = None
            return False
        return True

    def publish(self, overwrite: bool = True) -> Path:
        """Move the finished file onto the target; without `overwrite` an existing target is
        kept and FileExistsError raised (a hard link is the atomic "create only if absent")."""
        if sys.platform == "win32":
            self._release()  # Windows cannot rename or link a file that is open
        if overwrite:
            os.replace(self.path, self.target)
            return self.target
        try:
            os.link(self.path, self.target)
        except FileExistsError:
            raise
        except OSError:
            # Filesystems without hard links (FAT, some network shares): check, then rename.
            if self.target.exists():
                raise FileExistsError(errno.EEXIST, "exists", str(self.target)) from None
            os.replace(self.path, self.target)
        return self.target

    def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def discard(self) -> None:
        """Remove the temporary file (gone already once published) and drop the lock."""
        try:
            self.path.unlink(missing_ok=True)  # before unlocking: a sweep never sees it free
        except OSError:
            pass
        self._release()


def sweep_stale(folder: str | Path) -> list[Path]:
    """Remove temporary files of the one pattern left in `folder` by writers that died.

    Only direct children, only regular files matching `PART_RE`, only when no living writer
    holds them. Never raises: a folder that cannot be listed is simply left alone.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not is_part(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        if _remove_if_unlocked(Path(entry.path)):
            removed.append(Path(entry.path))
    if removed:
        log.info("removed %d stale temporary file(s) in %s", len(removed), folder)
    return removed


def sweep_for(targets) -> list[Path]:
    """`sweep_stale` on each distinct folder the given output paths will be written to."""
    removed: list[Path] = []
    for folder in sorted({Path(t).parent for t in targets}):
        removed += sweep_stale(folder)
    return removed


def _remove_if_unlocked(path: Path) -> bool:
    if fcntl is None:  # Windows: deleting a file another process has open fails
        try:
            path.unlink()
            return True
        except OSError:
            return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a live writer holds it
        os.close(fd)
        return False
    try:
        path.unlink()  # while locked: the writer's create-then-lock check sees st_nlink == 0
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
