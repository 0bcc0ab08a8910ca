"""Opening repository files safely: the one way StagingPro reads a file it was pointed at.

Every file StagingPro reads because the repository names it — YAML state files,
``stagingpro.yaml``, product images, theme folders and their files — is opened here,
so that nothing outside the repository can be validated, hashed or uploaded, even when
a caller skipped validation.

The rules, for a path relative to a *root* (the state directory, or a theme's folder):

* the path is resolved with every symlink followed; if the result leaves the root, the
  file is refused (:class:`~reconciler.errors.UnsafeFileError`). A symlink whose target
  stays inside the root is allowed: it reads what a copy would;
* only regular files are opened: a FIFO would block the read forever and a device
  (``/dev/zero``) never ends, so they are refused from ``stat`` alone, never opened;
* a file larger than ``limit`` bytes (default :data:`MAX_FILE_BYTES`) is refused before
  reading it.

Folders are walked by :func:`walk_files` under the same rules; symlinked folders are not
descended (as ``os.walk`` does), so a link cycle cannot make a walk endless.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path, PurePath
from typing import BinaryIO

from reconciler.errors import UnsafeFileError

MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest file read (a YAML list file of 10,000 products is about 10 MB; BigCommerce
takes product images up to 8 MB and theme bundles up to 50 MB)."""


def resolve(root: Path, relative: str | PurePath, *, inside: str = "the state directory") -> Path:
    """The real path of ``relative`` (POSIX, relative to ``root``), symlinks followed.

    Raises :class:`UnsafeFileError` when the path or a symlink on it leads outside
    ``root``; ``inside`` names the root in that message. The file need not exist.
    """
    return Path(_locate(root, _shown(relative), inside)[0])


def _shown(relative: str | PurePath) -> str:
    return relative if isinstance(relative, str) else relative.as_posix()


def _locate(root: Path, shown: str, inside: str) -> tuple[str, os.stat_result | None]:
    """:func:`resolve` as a string, with the file's status when it exists (one system
    call fewer per file: loading 50,000 files opens each of them once)."""
    lexical = posixpath.normpath(shown)
    if posixpath.isabs(lexical) or lexical == ".." or lexical.startswith("../"):
        raise UnsafeFileError(shown, f"'{shown}' leads outside {inside}; name a path inside it")
    top = _real(str(root) if root.is_absolute() else str(root.absolute()))
    folder, name = posixpath.split(lexical)
    # Folders repeat (thousands of files in catalog/products/): resolve each one once.
    real = _real(f"{top}/{folder}") if folder else top
    if name not in ("", "."):
        real = f"{real}/{name}"
    try:
        status: os.stat_result | None = os.lstat(real)
    except OSError:
        status = None
    if status is not None and stat.S_ISLNK(status.st_mode):
        real = os.path.realpath(real)
        try:
            status = os.lstat(real)
        except OSError:
            status = None
    if real != top and not real.startswith(top.rstrip("/") + "/"):
        raise UnsafeFileError(
            shown,
            f"'{shown}' is or passes through a symlink to {real}, outside {inside};"
            " replace the symlink with the file itself",
        )
    return real, status


@lru_cache(maxsize=4096)
def _real(path: str) -> str:
    # Cached per process: a folder turned into a symlink after its first use would go
    # unnoticed, which only a concurrent writer of the tree could do (not a repository).
    return os.path.realpath(path)


def open_file(
    root: Path,
    relative: str | PurePath,
    *,
    inside: str = "the state directory",
    limit: int = MAX_FILE_BYTES,
) -> BinaryIO:
    """``relative`` under ``root`` opened for reading in binary (module rules).

    Raises :class:`UnsafeFileError` for a path leaving ``root``, a file that is not a
    regular file, or one over ``limit`` bytes; :class:`OSError` when it cannot be opened
    (missing, no permission).
    """
    return os.fdopen(_open(root, _shown(relative), inside, limit)[0], "rb")


def _open(root: Path, shown: str, inside: str, limit: int) -> tuple[int, int]:
    """An open descriptor of the checked file, and its size when opened."""
    real, before = _locate(root, shown, inside)
    if before is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), shown)
    _check_regular(shown, before, limit)  # from the status: a FIFO is never opened
    # O_NOFOLLOW: ``real`` has no symlinks left, so one appearing now is a swap;
    # O_NONBLOCK: should a FIFO appear after the stat, opening it does not wait.
    fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            raise UnsafeFileError(shown, f"'{shown}' changed while it was being opened")
        _check_regular(shown, now, limit)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, now.st_size


def read_bytes(
    root: Path,
    relative: str | PurePath,
    *,
    inside: str = "the state directory",
    limit: int = MAX_FILE_BYTES,
) -> bytes:
    """The content of ``relative`` under ``root`` (:func:`open_file`'s rules and errors)."""
    shown = _shown(relative)
    fd, size = _open(root, shown, inside, limit)
    try:
        chunks: list[bytes] = []
        read = 0
        # The size it had, then whatever it grew by, in steps: never ``limit`` bytes up
        # front (that would allocate them), never past the limit.
        want = size + 1
        while chunk := os.read(fd, min(want, limit + 1 - read)):
            want = 1 << 16
            chunks.append(chunk)
            read += len(chunk)
            if read > limit:
                raise UnsafeFileError(shown, _too_large(shown, limit))
    finally:
        os.close(fd)
    return b"".join(chunks)


def directory(root: Path, relative: str | PurePath, *, inside: str = "the state directory"
              ) -> Path:
    """The real path of the folder ``relative`` under ``root`` (:func:`resolve`); raises
    :class:`UnsafeFileError` when it leaves ``root`` or is not a folder."""
    real = resolve(root, relative, inside=inside)
    if not real.is_dir():
        shown = PurePath(relative).as_posix()
        raise UnsafeFileError(shown, f"'{shown}' is not a folder")
    return real


UNREAD_FOLDERS = frozenset({"node_modules"})
"""Folders of a tree whose content is never read (with dot files and dot folders)."""


def unread(name: str) -> bool:
    """Whether a file or folder of that name is left out of a folder's content: dot
    files and folders (``.git``, ``.DS_Store``) and :data:`UNREAD_FOLDERS`."""
    return name.startswith(".") or name in UNREAD_FOLDERS


def walk_files(
    folder: Path, *, inside: str, skip: Callable[[str], bool] = unread
) -> list[tuple[str, Path]]:
    """Every file under ``folder``: ``(POSIX path relative to it, real path)``, sorted.

    Names for which ``skip(name)`` is true (files and folders) are left out. Raises
    :class:`UnsafeFileError` for a symlink (file or folder) leading outside ``folder``
    and for anything that is neither a file nor a folder (FIFO, socket, device).
    Symlinked folders whose target stays inside are not descended.
    """
    top = Path(_real(str(folder.absolute())))
    found: list[tuple[str, Path]] = []
    for current, dirs, files in os.walk(top):
        base = Path(current)
        prefix = base.relative_to(top)
        dirs[:] = sorted(d for d in dirs if not skip(d))
        for name in dirs:
            if (base / name).is_symlink():
                resolve(top, (prefix / name).as_posix(), inside=inside)
        for name in sorted(files):
            if skip(name):
                continue
            relative = (prefix / name).as_posix()
            real = resolve(top, relative, inside=inside)
            try:
                status = real.stat()
            except OSError:
                continue  # a broken symlink (its target is inside): nothing to read
            _check_regular(relative, status, MAX_FILE_BYTES)
            found.append((relative, real))
    found.sort()
    return found


def _check_regular(shown: str, found: os.stat_result, limit: int) -> None:
    if stat.S_ISDIR(found.st_mode):
        raise UnsafeFileError(shown, f"'{shown}' is a folder; name a file")
    if not stat.S_ISREG(found.st_mode):
        raise UnsafeFileError(
            shown,
            f"'{shown}' is not a regular file (a FIFO, socket or device is never read);"
            " replace it with a file",
        )
    if found.st_size > limit:
        raise UnsafeFileError(shown, _too_large(shown, limit))


def _too_large(shown: str, limit: int) -> str:
    return (
        f"'{shown}' is larger than {limit // (1024 * 1024)} MB, the most StagingPro reads;"
        " split it or leave it out of the repository"
    )
