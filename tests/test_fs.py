"""rca.fs: bounded reads, whole-folder swaps, cleaning up after crashes, one writer per folder."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rca import fs
from rca.errors import InputFileError, OutputBusyError, OutputError


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --------------------------------------------------------------------------- reading


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "case.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError) as caught:
        fs.read_capped(fifo, 100, what="a case record")
    assert str(caught.value) == (
        f"{fifo}: is a named pipe (FIFO), not a regular file; a case record must be a file"
    )


def test_a_link_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "case.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputFileError, match="is a character device, not a regular file"):
        fs.read_capped(link, 100)
    with pytest.raises(InputFileError, match="is a folder, not a regular file"):
        fs.read_capped(tmp_path, 100)


def test_reads_at_most_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert fs.read_capped(path, 100) == b"x" * 100
    with pytest.raises(
        InputFileError, match=r"file is 101 bytes; the file may be at most 100 bytes"
    ):
        path.write_bytes(b"x" * 101)
        fs.read_capped(path, 100)
    link = tmp_path / "link"
    link.symlink_to(path)  # a link to a regular file is fine
    assert len(fs.read_capped(link, 200)) == 101


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path: Path) -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("a.xml", b"\0" * (3 << 20))
    packed = data.getvalue()
    assert len(packed) < 10_000
    with pytest.raises(InputFileError, match=r"unpacks to 3\.0 MiB \(.* packed\); at most 1 MiB"):
        fs.check_package(
            tmp_path / "m.pptx", packed, what="the master", unpacked=1 << 20, members=9
        )
    with pytest.raises(InputFileError, match="holds 1 files; at most 0 are accepted"):
        fs.check_package(
            tmp_path / "m.pptx", packed, what="the master", unpacked=1 << 30, members=0
        )
    with pytest.raises(InputFileError, match=r"is not a readable \.pptx \(zip\) file"):
        fs.check_package(tmp_path / "m.pptx", b"PK no", what="the master", unpacked=1, members=1)


# --------------------------------------------------------------------------- folders


def test_replace_folder_holds_exactly_the_new_files(tmp_path: Path) -> None:
    target = tmp_path / "out" / "ESC-1"
    fs.replace_folder(target, [("a.html", b"old"), ("diagrams/x.svg", b"same"), ("gone.pdf", b"1")])
    kept = (target / "diagrams" / "x.svg").stat()
    written = fs.replace_folder(target, [("a.html", b"new"), ("diagrams/x.svg", b"same")])
    assert written == [target / "a.html", target / "diagrams" / "x.svg"]
    assert snapshot(target) == {"a.html": b"new", "diagrams/x.svg": b"same"}
    # An unchanged file is the same file: its time is kept (linked, not rewritten).
    after = (target / "diagrams" / "x.svg").stat()
    assert (after.st_ino, after.st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)
    assert sorted(p.name for p in target.parent.iterdir()) == ["ESC-1"]  # nothing left beside it


def test_replace_folder_without_an_atomic_exchange(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RCA_FAILPOINTS", "exchange=unsupported")
    target = tmp_path / "ESC-1"
    fs.replace_folder(target, [("a", b"1")])
    fs.replace_folder(target, [("b", b"2")])
    assert snapshot(target) == {"b": b"2"}
    assert [p.name for p in tmp_path.iterdir()] == ["ESC-1"]


def test_a_full_disk_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "ESC-1"
    fs.replace_folder(target, [("a", b"old a"), ("b", b"old b")])
    monkeypatch.setenv("RCA_FAILPOINTS", "stage-write=enospc")
    with pytest.raises(OutputError) as caught:
        fs.replace_folder(target, [("a", b"new a"), ("b", b"new b")])
    assert str(caught.value) == (
        f"{target}: cannot write: no space left on the device; nothing in it was changed"
    )
    assert snapshot(target) == {"a": b"old a", "b": b"old b"}
    assert [p.name for p in tmp_path.iterdir()] == ["ESC-1"]


def test_replace_folder_refuses_to_replace_a_file(tmp_path: Path) -> None:
    target = tmp_path / "ESC-1"
    target.write_text("mine")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        fs.replace_folder(target, [("a", b"1")])
    assert target.read_text() == "mine"


def test_clean_stale_removes_what_crashes_leave_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "ESC-1" / "diagrams").mkdir(parents=True)
    (out / ".rca-stage.ESC-1.0a1b2c3d").mkdir()
    (out / ".rca-stage.ESC-1.0a1b2c3d" / "a.html").write_text("half")
    (out / ".rca-old.ESC-1.12345678").mkdir()  # ESC-1 exists: the swap completed
    (out / ".rca-old.ESC-2.12345678").mkdir()  # ESC-2 missing: the crash came between renames
    (out / ".rca-old.ESC-2.12345678" / "a.html").write_text("old ESC-2")
    (out / ".rca-tmp..rca-cache.json.0a1b2c3d").write_text("{")
    (out / "ESC-1" / "diagrams" / ".leadership-fishbone.svg.k3j_x9a2.tmp").write_text("<")
    keep = [out / "notes.tmp", out / ".hidden", out / "ESC-1" / "mine.txt"]
    for path in keep:
        path.write_text("user's")
    done = fs.clean_stale(out)
    assert "restored ESC-2" in done
    assert (out / "ESC-2" / "a.html").read_text() == "old ESC-2"
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    assert names == [
        ".hidden",
        "ESC-1",
        "ESC-1/diagrams",
        "ESC-1/mine.txt",
        "ESC-2",
        "ESC-2/a.html",
        "notes.tmp",
    ]


# --------------------------------------------------------------------------- one writer


def test_a_second_writer_waits_then_refuses(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".rca-stage.ESC-1.0a1b2c3d").mkdir(parents=True)
    with fs.output_lock(out, "build"):
        assert not (out / ".rca-stage.ESC-1.0a1b2c3d").exists()  # cleaned once held
        with pytest.raises(OutputBusyError) as caught, fs.output_lock(out, "render", wait=0.2):
            pass
    message = str(caught.value)
    assert message.startswith(f"{out}: another rca process is writing there (pid {os.getpid()}, ")
    assert "rca build, since " in message and "waited 0.2 s" in message
    assert caught.value.exit_code == 75
    with fs.output_lock(out, "render", wait=0):
        pass  # released


def test_the_lock_dies_with_its_holder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from rca.fs import output_lock\n"
            "with output_lock(pathlib.Path(sys.argv[1]), 'build'):\n"
            "    print('held', flush=True); sys.stdin.read()",
            str(out),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            with pytest.raises(OutputBusyError, match=f"pid {holder.pid}, rca build"):  # noqa: SIM117
                with fs.output_lock(out, "render", wait=0):
                    pass
        finally:
            holder.kill()
    with fs.output_lock(out, "render", wait=5):
        pass


def test_write_atomic_reports_a_full_disk_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "summary.json"
    path.write_text("old")
    monkeypatch.setenv("RCA_FAILPOINTS", "file-write=enospc")
    with pytest.raises(OutputError) as caught:
        fs.write_atomic(path, b"new")
    assert str(caught.value) == f"{path}: cannot write: no space left on the device"
    assert path.read_text() == "old" and sorted(tmp_path.iterdir()) == [path]
