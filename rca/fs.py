"""Files in and out, safely: bounded reads, atomic files, whole-folder swaps, one writer per folder.

Reading: an input is opened without blocking, must be a regular file (a named
pipe would hang, a link to /dev/zero would never end), and at most its cap
plus one byte is read, whatever its size claims.

Writing: a single file (the cache manifest, a schema, a new record) goes
through a temporary file and a rename. A case's outputs are a folder: they are
staged in `.rca-stage.<name>.<random>/` beside the final place, synced, then
swapped in whole (see `replace_folder`), so after a crash at any instant the
folder holds either every old file or every new one. Whatever a crash leaves
behind (stage folders, temporary files) is removed, or rolled back, the next
time an rca command takes the folder's lock (`output_lock`).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import io
import json
import os
import re
import secrets
import shutil
import signal
import stat
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from rca.errors import InputFileError, OutputBusyError, OutputError

STAGE = ".rca-stage."  # a folder being written; never complete until renamed away
RETIRED = ".rca-old."  # a replaced folder on its way out (only without an atomic exchange)
TEMP = ".rca-tmp."  # a single file being written
LOCK = ".rca-lock"
# Temporary files rca wrote before it used the names above: ".leadership.pdf.k3j_x9a2.tmp".
_LEGACY_TEMP = re.compile(r"\..+\.(pptx|pdf|html|svg|dot|png|json|csv)\.[a-z0-9_]{8}\.tmp")

# --------------------------------------------------------------------------- reading


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def size_text(size: float, *, decimals: int | None = None) -> str:
    """A byte count for people: 512 bytes, 3 KiB, 2.5 MiB (`decimals` fixes the precision)."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            value = size / scale
            if decimals is None:
                decimals = 0 if value == int(value) else 1
            return f"{value:.{decimals}f} {unit}"
    return f"{size:.0f} bytes"


def read_capped(path: Path, limit: int, *, what: str = "the file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; InputFileError otherwise.

    Never blocks on a named pipe, never follows a link into a device, and reads
    at most `limit + 1` bytes even when the file grows while it is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputFileError(path, f"cannot read file: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(
                path, f"is {_kind(info.st_mode)}, not a regular file; {what} must be a file"
            )
        if info.st_size > limit:
            raise InputFileError(path, _too_large(info.st_size, limit, what))
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise InputFileError(path, f"cannot read file: {exc.strerror}") from None
    finally:
        os.close(fd)
    if total > limit:  # it grew while being read
        raise InputFileError(path, _too_large(total, limit, what, more=True))
    return b"".join(chunks)


def _too_large(size: int, limit: int, what: str, *, more: bool = False) -> str:
    shown = f"more than {size_text(limit)}" if more else size_text(size, decimals=1)
    return f"file is {shown}; {what} may be at most {size_text(limit)}"


def check_package(path: Path, data: bytes, *, what: str, unpacked: int, members: int) -> None:
    """Refuse a zip package (a .pptx) that would unpack to more than `unpacked` bytes or hold
    more than `members` files, before any library opens it (a zip bomb is tiny until opened).

    The sizes checked are the ones the zip declares; Python's zipfile never
    inflates a member past its declared size, so they bound what any reader
    built on it (python-pptx) can be made to allocate.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InputFileError(path, f"{what} is not a readable .pptx (zip) file ({exc})") from None
    if len(infos) > members:
        raise InputFileError(
            path, f"{what} holds {len(infos):,} files; at most {members:,} are accepted"
        )
    total = sum(info.file_size for info in infos)
    if total > unpacked:
        raise InputFileError(
            path,
            f"{what} unpacks to {size_text(total, decimals=1)} "
            f"({size_text(len(data), decimals=1)} packed); at most {size_text(unpacked)} is accepted",
        )


# --------------------------------------------------------------------------- failpoints


def _failpoint_action(name: str) -> str | None:
    spec = os.environ.get("RCA_FAILPOINTS")
    if not spec:
        return None
    actions = dict(item.split("=", 1) for item in spec.split(",") if "=" in item)
    return actions.get(name)


def failpoint(name: str) -> None:
    """A named point where tests make rca stop or fail on purpose, deterministically.

    RCA_FAILPOINTS="name=action[,name=action...]". Actions: `pause` (say
    "rca: failpoint NAME pid N" on stderr, then wait to be killed), `enospc`
    (fail as a full disk would), `exit` (end the process at once, as a crash
    would), `stall` (like `pause`, but first block SIGALRM, as C code that never
    returns to Python would), `sleep` (silently run forever, as a huge case would). Points: `render` (a case's rendering starts),
    `stage-write` (the first file of a case is staged), `staged` (all staged,
    before the swap), `retired` (between the two renames of a swap without an
    atomic exchange), `swapped` (the new folder is in place, the cache not yet
    updated), `file-write` (a single file is written, not yet renamed);
    `exchange=unsupported` makes the swap use two renames. Unset in normal
    use: then this is one environment lookup.
    """
    action = _failpoint_action(name)
    if action is None:
        return
    if action == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if action == "exit":
        os._exit(70)
    if action == "sleep":  # busy in Python, where a signal can reach it: a case that runs long
        while True:
            time.sleep(1)
    if action in ("pause", "stall"):
        if action == "stall" and hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        sys.stderr.write(f"rca: failpoint {name} pid {os.getpid()}\n")
        sys.stderr.flush()
        while True:
            time.sleep(3600)


# --------------------------------------------------------------------------- single files


def _mode_for(path: Path) -> int:
    # Keep the mode of the file being replaced; a new file gets what the user's
    # umask allows (mkstemp's 0600 would be too strict, a fixed 0644 too loose).
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    # A rename is durable only once its folder is synced.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not every file system syncs folders
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on the device"
    return exc.strerror or str(exc)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` via a temp file in the same folder, fsync, then rename.

    A file that already holds exactly `data` is left alone: no write, no fsync,
    its modification time kept.
    """
    if _same_content(path, data):
        return path
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f"{TEMP}{path.name}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            failpoint("file-write")
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise OutputError(path, f"cannot write: {_reason(exc)}") from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    return path


def _same_content(path: Path, data: bytes) -> bool:
    try:
        info = path.stat()
        return (
            stat.S_ISREG(info.st_mode) and info.st_size == len(data) and path.read_bytes() == data
        )
    except OSError:
        return False


# --------------------------------------------------------------------------- whole folders

_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where unsupported."""
    if not sys.platform.startswith("linux") or _failpoint_action("exchange") == "unsupported":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # this file system cannot exchange: fall back to two renames
    raise OSError(code, os.strerror(code), str(b))


def replace_folder(target: Path, files: Sequence[tuple[str, bytes]]) -> list[Path]:
    """Make `target` a folder holding exactly `files` (relative name, bytes), old or new, never mixed.

    The files are written into a stage folder beside `target` and synced; then
    the stage and `target` are exchanged in one atomic step (renameat2 with
    RENAME_EXCHANGE), and the old folder, now under the stage's name, is
    removed. Where the file system cannot exchange, the old folder is renamed
    away first and the stage renamed in; a crash between those two renames
    leaves the old folder under `.rca-old.<name>.*`, and the next
    `clean_stale` puts it back. A file that is unchanged is hard-linked from
    the old folder, so it keeps its modification time. On any error nothing
    of `target` has changed.
    """
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutputError(
            target, "exists and is not a folder; move it away or choose another --out"
        )
    parent = target.parent
    stage = parent / f"{STAGE}{target.name}.{secrets.token_hex(4)}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _write_stage(stage, target, files)
        failpoint("staged")
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise OutputError(
            target, f"cannot write: {_reason(exc)}; nothing in it was changed"
        ) from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    try:
        _swap(stage, target)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise OutputError(
            target, f"cannot replace: {_reason(exc)}; nothing in it was changed"
        ) from None
    return [target / name for name, _ in files]


def _write_stage(stage: Path, old: Path, files: Sequence[tuple[str, bytes]]) -> None:
    stage.mkdir()
    folders = {stage}
    for index, (name, data) in enumerate(files):
        if index == 1:
            failpoint("stage-write")
        path = stage / name
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        previous = old / name
        if _same_content(previous, data):
            try:
                os.link(previous, path)
                continue
            except OSError:
                pass  # no hard links here: write a copy
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        _fsync_folder(folder)


def _swap(stage: Path, target: Path) -> None:
    parent = target.parent
    if not target.exists():
        os.rename(stage, target)
        failpoint("swapped")
    elif _exchange(stage, target):
        failpoint("swapped")
        shutil.rmtree(stage, ignore_errors=True)  # the old folder, now under the stage's name
    else:
        retired = parent / f"{RETIRED}{target.name}.{secrets.token_hex(4)}"
        os.rename(target, retired)
        failpoint("retired")
        os.rename(stage, target)
        failpoint("swapped")
        shutil.rmtree(retired, ignore_errors=True)
    _fsync_folder(parent)


def clean_stale(out: Path) -> list[str]:
    """Remove what interrupted writes left under `out`; put back a folder a crash left retired.

    Call only while holding `output_lock(out)`: then no other rca process is
    writing there. Looks at `out`, its folders and their sub-folders, never
    deeper (`--out` may be a large folder that is not only rca's).
    """
    done: list[str] = []
    try:
        entries = sorted(out.iterdir())
    except OSError:
        return done
    for entry in entries:
        name = entry.name
        if name.startswith(RETIRED) and entry.is_dir() and not entry.is_symlink():
            original = out / name[len(RETIRED) :].rsplit(".", 1)[0]
            if not original.exists():
                os.rename(entry, original)  # the new folder never arrived: keep the old one
                done.append(f"restored {original.name}")
            else:
                shutil.rmtree(entry, ignore_errors=True)
                done.append(f"removed {name}")
        elif name.startswith(STAGE) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            done.append(f"removed {name}")
    for folder in [out, *_subfolders(out, 2)]:
        with contextlib.suppress(OSError):
            for entry in folder.iterdir():
                name = entry.name
                stale = name.startswith(TEMP) or _LEGACY_TEMP.fullmatch(name)
                if stale and entry.is_file() and not entry.is_symlink():
                    entry.unlink(missing_ok=True)
                    done.append(f"removed {entry.relative_to(out)}")
    return done


def _subfolders(root: Path, depth: int) -> list[Path]:
    found: list[Path] = []
    level = [root]
    for _ in range(depth):
        nxt = []
        for folder in level:
            with contextlib.suppress(OSError):
                nxt += [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()]
        found += nxt
        level = nxt
    return found


# --------------------------------------------------------------------------- one writer

DEFAULT_LOCK_WAIT = 10.0


def lock_wait(value: float | None = None) -> float:
    """Seconds to wait for another rca process to finish with a folder: RCA_LOCK_WAIT, else 10."""
    if value is not None:
        return value
    try:
        return max(0.0, float(os.environ.get("RCA_LOCK_WAIT", DEFAULT_LOCK_WAIT)))
    except ValueError:
        return DEFAULT_LOCK_WAIT


@contextlib.contextmanager
def output_lock(out: Path, command: str, *, wait: float | None = None) -> Iterator[None]:
    """Hold `out` for one rca process: wait up to `wait` seconds for another, else refuse.

    The lock is an advisory `flock` on `out/.rca-lock`, so it is released by
    the kernel when its holder dies, however it dies. Once held, whatever an
    interrupted earlier run left is cleaned up (`clean_stale`).
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: one writer is the user's business
        yield
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise OutputError(out, f"cannot use as the output folder: {_reason(exc)}") from None
    try:
        seconds = lock_wait(wait)
        deadline = time.monotonic() + seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise OutputError(out, f"cannot lock: {_reason(exc)}") from None
            if time.monotonic() >= deadline:
                raise OutputBusyError(
                    f"{out}: another rca process is writing there ({_holder(fd)}); "
                    f"waited {seconds:g} s. Run again when it has finished, or use another --out"
                )
            time.sleep(0.1)
        note = {
            "pid": os.getpid(),
            "command": command,
            "since": datetime.now().isoformat("T", "seconds"),
        }
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(note) + "\n").encode(), 0)
        clean_stale(out)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        note = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {note['pid']}, rca {note['command']}, since {note['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "pid unknown"
