"""Transactional output: kill -9 at named points, stale cache, two builds, orphans, full disks.

Crashes are made deterministic with failpoints (rca.fs.failpoint): the rca
process under test prints "rca: failpoint NAME pid N" and waits; the test then
kills it with SIGKILL at exactly that point. No sleeps-and-hope: every wait
below is on an event, with a generous timeout only as a guard against a hang.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from rca import batch
from rca.audience import select_profiles
from rca.batch import BuildPlan, CaseOutcome, Status, build_many, failed_exit_code
from rca.cli import cli
from rca.errors import OutputBusyError
from rca.fs import output_lock
from rca.pipeline import build
from rca.preview import refresh

ROOT = Path(__file__).parent.parent
CASE = "ESC-0185"
OTHER = "ESC-0178"
TODAY = "2026-11-25"
HANG_GUARD = 120  # seconds; only ever reached if something hangs


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    """What a crash can leave: stage and retired folders, temporary files."""
    return sorted(
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.name.startswith((".rca-stage.", ".rca-old.", ".rca-tmp."))
    )


def edited(text: str) -> str:
    return text.replace("title: ", "title: Edited and rebuilt; ", 1)


def rca(*args: str) -> list[str]:
    return [sys.executable, "-m", "rca", *args]


def render_args(record: Path, out: Path) -> list[str]:
    return rca(
        "render", str(record), "-a", "leadership", "-f", "html", "--today", TODAY, "-o", str(out)
    )


def build_args(folder: Path, out: Path, jobs: int = 1) -> list[str]:
    return rca(
        "build", str(folder), "-a", "leadership", "-f", "html", "--today", TODAY,
        "-o", str(out), "-j", str(jobs),
    )  # fmt: skip


@contextlib.contextmanager
def paused(
    args: list[str], failpoints: str, *, count: int = 1
) -> Iterator[tuple[subprocess.Popen[bytes], list[int]]]:
    """Run rca until `count` processes reached the failpoint; yields it and their pids."""
    env = {**os.environ, "RCA_FAILPOINTS": failpoints, "RCA_LOCK_WAIT": "30"}
    with subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env) as proc:
        try:
            assert proc.stderr is not None
            pids: list[int] = []
            buffer = b""
            deadline = time.monotonic() + HANG_GUARD
            with selectors.DefaultSelector() as selector:
                selector.register(proc.stderr, selectors.EVENT_READ)
                while len(pids) < count:
                    assert time.monotonic() < deadline, buffer.decode()
                    if not selector.select(timeout=1):
                        assert proc.poll() is None, buffer.decode()
                        continue
                    chunk = os.read(proc.stderr.fileno(), 4096)
                    assert chunk, f"rca ended before the failpoint: {buffer.decode()}"
                    buffer += chunk
                    pids = [
                        int(line.rsplit(" ", 1)[1])
                        for line in buffer.decode().splitlines()
                        if line.startswith("rca: failpoint ")
                    ]
            yield proc, pids
        finally:
            proc.kill()
            proc.wait(HANG_GUARD)


def gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie waiting for init to reap it counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def wait_until(check: object, what: str) -> None:
    deadline = time.monotonic() + HANG_GUARD
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.fixture(scope="session")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The leadership HTML outputs of the record (old) and of an edited copy (new)."""
    base = tmp_path_factory.mktemp("versions")
    record = base / f"{CASE}.yaml"
    text = (ROOT / "case_reviews" / f"{CASE}.yaml").read_text()
    found = []
    for version, content in (("old", text), ("new", edited(text))):
        record.write_text(content)
        out = base / version
        build([record], out, audiences=["leadership"], formats=["html"], today=date(2026, 11, 25))
        found.append(snapshot(out / CASE))
    assert found[0] != found[1] and found[0].keys() == found[1].keys()
    return found[0], found[1]


@pytest.fixture
def setup(
    tmp_path: Path, versions: tuple[dict[str, bytes], dict[str, bytes]]
) -> tuple[Path, Path, Path]:
    """A record (already edited: the new version) and an output folder holding the old outputs."""
    cases = tmp_path / "cases"
    cases.mkdir()
    record = cases / f"{CASE}.yaml"
    record.write_text(edited((ROOT / "case_reviews" / f"{CASE}.yaml").read_text()))
    out = tmp_path / "out"
    for name, data in versions[0].items():
        (out / CASE / name).parent.mkdir(parents=True, exist_ok=True)
        (out / CASE / name).write_bytes(data)
    return cases, record, out


@pytest.mark.parametrize(
    ("failpoints", "expected"),
    [
        ("stage-write=pause", "old"),  # half the new files staged
        ("swapped=pause", "new"),  # the new folder in place, the old not yet removed
        ("exchange=unsupported,retired=pause", "retired"),  # between a fallback's two renames
    ],
)
def test_a_render_killed_at_any_point_leaves_the_old_or_the_new_folder(
    setup: tuple[Path, Path, Path],
    versions: tuple[dict[str, bytes], dict[str, bytes]],
    failpoints: str,
    expected: str,
) -> None:
    _, record, out = setup
    old, new = versions
    with paused(render_args(record, out), failpoints) as (proc, _):
        proc.send_signal(signal.SIGKILL)
        proc.wait(HANG_GUARD)
    if expected == "retired":  # the folder is away under .rca-old.*, whole, until the next run
        (retired,) = out.glob(f".rca-old.{CASE}.*")
        assert not (out / CASE).exists() and snapshot(retired) == old
    else:
        assert snapshot(out / CASE) == (old if expected == "old" else new)
    # The next command into the folder puts everything right, then does its own work.
    with output_lock(out, "test"):
        assert leftovers(out) == []
        assert snapshot(out / CASE) == (new if expected == "new" else old)
    build([record], out, audiences=["leadership"], formats=["html"], today=date(2026, 11, 25))
    assert snapshot(out / CASE) == new and leftovers(out) == []


@pytest.mark.parametrize("point", ["stage-write", "swapped"])
def test_a_killed_rebuild_then_a_revert_is_rebuilt_not_served_from_the_cache(
    setup: tuple[Path, Path, Path], versions: tuple[dict[str, bytes], dict[str, bytes]], point: str
) -> None:
    cases, record, out = setup
    old, new = versions
    new_text = record.read_text()
    record.write_text((ROOT / "case_reviews" / f"{CASE}.yaml").read_text())
    shutil.rmtree(out)
    plan = BuildPlan(tuple(select_profiles(["leadership"])), ("html",), out, date(2026, 11, 25), ())
    assert [o.status for o in build_many([cases], plan, jobs=1)] == ["built"]
    record.write_text(new_text)  # edit, rebuild, and kill the rebuild
    with paused(build_args(cases, out), f"{point}=pause") as (proc, _):
        proc.kill()
        proc.wait(HANG_GUARD)
    assert snapshot(out / CASE) == (new if point == "swapped" else old)
    record.write_text((ROOT / "case_reviews" / f"{CASE}.yaml").read_text())  # revert
    (outcome,) = build_many([cases], plan, jobs=1)
    assert outcome.status == "built"  # the cache did not vouch for what it never saw finish
    assert snapshot(out / CASE) == old and leftovers(out) == []
    (again,) = build_many([cases], plan, jobs=1)
    assert again.status == "cached"


def test_a_second_build_into_the_same_folder_refuses_with_one_clear_line(
    setup: tuple[Path, Path, Path], versions: tuple[dict[str, bytes], dict[str, bytes]]
) -> None:
    cases, _, out = setup
    with paused(build_args(cases, out), "staged=pause") as (proc, _):
        result = CliRunner().invoke(
            cli,
            ["build", str(cases), "-o", str(out), "-f", "html", "--today", TODAY],
            env={"RCA_LOCK_WAIT": "0.5"},
        )
        assert result.exit_code == 75, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.output
        assert lines[0].startswith(f"rca: {out}: another rca process is writing there (pid ")
        assert f"pid {proc.pid}, rca build, since " in lines[0]
        assert lines[0].endswith(
            "waited 0.5 s. Run again when it has finished, or use another --out"
        )
        assert snapshot(out / CASE) == versions[0]  # the first build's work is not touched
    result = CliRunner().invoke(
        cli,
        ["build", str(cases), "-o", str(out), "-a", "leadership", "-f", "html", "--today", TODAY],
    )
    assert result.exit_code == 0, result.output
    assert snapshot(out / CASE) == versions[1] and leftovers(out) == []


def test_workers_die_with_their_parent_and_write_nothing(
    tmp_path: Path, versions: tuple[dict[str, bytes], dict[str, bytes]]
) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    for case in (CASE, OTHER):
        shutil.copy(ROOT / "case_reviews" / f"{case}.yaml", cases)
    out = tmp_path / "out"
    with paused(build_args(cases, out, jobs=2), "stage-write=pause", count=2) as (proc, workers):
        assert proc.pid not in workers and len(set(workers)) == 2
        proc.kill()  # the parent only; its workers are paused mid-write
        proc.wait(HANG_GUARD)
        wait_until(lambda: all(gone(pid) for pid in workers), "orphan workers still running")
    assert not (out / CASE).exists() and not (out / OTHER).exists()  # nothing reached its place
    assert leftovers(out)  # their stage folders, half written...
    with output_lock(out, "test"):
        assert leftovers(out) == []  # ...removed by the next command into the folder
    plan = BuildPlan(tuple(select_profiles(["leadership"])), ("html",), out, date(2026, 11, 25), ())
    outcomes = build_many([cases], plan, jobs=1)  # and the next build makes both cases whole
    assert [o.status for o in outcomes] == ["built", "built"], outcomes
    for case in (CASE, OTHER):
        assert sorted(snapshot(out / case)) == sorted(versions[0]) and leftovers(out) == []


def test_a_full_disk_changes_nothing_and_says_so_in_one_line(
    setup: tuple[Path, Path, Path],
    versions: tuple[dict[str, bytes], dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, record, out = setup
    monkeypatch.setenv("RCA_FAILPOINTS", "stage-write=enospc")
    result = CliRunner().invoke(
        cli,
        ["render", str(record), "-a", "leadership", "-f", "html", "--today", TODAY, "-o", str(out)],
    )
    assert result.exit_code == 1
    assert result.output == (
        f"rca: {out / CASE}: cannot write: no space left on the device; nothing in it was changed\n"
    )
    assert snapshot(out / CASE) == versions[0] and leftovers(out) == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB tmpfs, where the system allows mounting one (root); else skipped."""
    mount = tmp_path / "disk"
    mount.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("cannot run mount here; the failpoint test covers a full disk")
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here; the failpoint test covers a full disk")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)


def test_a_really_full_disk_changes_nothing(
    small_disk: Path, versions: tuple[dict[str, bytes], dict[str, bytes]], tmp_path: Path
) -> None:
    record = tmp_path / f"{CASE}.yaml"
    record.write_text(edited((ROOT / "case_reviews" / f"{CASE}.yaml").read_text()))
    out = small_disk / "out"
    for name, data in versions[0].items():
        (out / CASE / name).parent.mkdir(parents=True, exist_ok=True)
        (out / CASE / name).write_bytes(data)
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    with contextlib.suppress(OSError):  # fill the disk to the last byte...
        while True:
            os.write(fd, b"\0" * 4096)
    os.ftruncate(fd, max(0, os.fstat(fd).st_size - 16 * 1024))  # ...then leave 16 KiB
    os.close(fd)
    args = [
        "render",
        str(record),
        "-a",
        "leadership",
        "-f",
        "html",
        "--today",
        TODAY,
        "-o",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.output == (
        f"rca: {out / CASE}: cannot write: no space left on the device; nothing in it was changed\n"
    )
    assert snapshot(out / CASE) == versions[0] and leftovers(out) == []
    filler.unlink()
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert snapshot(out / CASE) == versions[1]


def test_a_case_over_its_time_limit_fails_alone_and_its_worker_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    for case in (CASE, OTHER, "ESC-0142"):
        shutil.copy(ROOT / "case_reviews" / f"{case}.yaml", cases)
    out = tmp_path / "out"
    monkeypatch.setenv("RCA_FAILPOINTS", "render=sleep")  # every case runs for ever, in Python
    plan = BuildPlan(
        tuple(select_profiles(["leadership"])), ("html",), out, date(2026, 11, 25), (),
        time_limit=0.3,
    )  # fmt: skip
    outcomes = build_many([cases], plan, jobs=2)  # 3 cases, 2 workers, each retired after one
    assert [o.status for o in outcomes] == ["failed"] * 3, outcomes
    for outcome in outcomes:
        assert outcome.timed_out and outcome.error is not None
        assert outcome.error == (
            f"{outcome.case_id}: stopped after 0.3 s while analysing it: the per-case time "
            "limit. The record may be too large to render in one go; raise the limit with "
            "--time-limit or RCA_TIME_LIMIT (0: none)"
        )
    assert not (out / CASE).exists() and leftovers(out) == []


def test_the_time_limit_exits_4_for_one_case_and_for_a_build_of_only_limits(
    setup: tuple[Path, Path, Path],
    versions: tuple[dict[str, bytes], dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases, record, out = setup
    monkeypatch.setenv("RCA_FAILPOINTS", "render=sleep")  # the case runs for ever, in Python
    common = ["-a", "leadership", "-f", "html", "--today", TODAY, "-o", str(out)]
    result = CliRunner().invoke(cli, ["render", str(record), *common, "--time-limit", "0.3"])
    assert result.exit_code == 4, result.output
    assert result.output == (
        f"rca: {CASE}: stopped after 0.3 s while analysing it: the per-case time limit. The "
        "record may be too large to render in one go; raise the limit with --time-limit or "
        "RCA_TIME_LIMIT (0: none)\n"
    )
    result = CliRunner().invoke(cli, ["build", str(cases), *common, "--time-limit", "0.3"])
    assert result.exit_code == 4, result.output
    assert snapshot(out / CASE) == versions[0] and leftovers(out) == []


def test_a_batch_exits_with_its_most_serious_failure() -> None:
    def outcome(status: Status = "failed", **flags: bool) -> CaseOutcome:
        return CaseOutcome("x.yaml", "ESC-1", status, 0.1, **flags)

    built, invalid = outcome("built"), outcome()
    timed_out, too_large, leak = (
        outcome(timed_out=True),
        outcome(too_large=True),
        outcome(leak=True),
    )
    assert failed_exit_code([built, outcome("cached")]) == 0
    assert failed_exit_code([built, timed_out, too_large]) == 4  # only limits: every record valid
    assert failed_exit_code([timed_out, invalid]) == 1  # something is wrong with a record
    assert failed_exit_code([invalid, leak, timed_out]) == 3  # a leak above all


def test_a_worker_stuck_where_no_signal_reaches_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    for case in (CASE, OTHER):
        shutil.copy(ROOT / "case_reviews" / f"{case}.yaml", cases)
    out = tmp_path / "out"
    monkeypatch.setattr(batch, "HARD_KILL_GRACE", 0.5)
    monkeypatch.setenv("RCA_FAILPOINTS", "render=stall")  # blocks SIGALRM, then hangs
    plan = BuildPlan(
        tuple(select_profiles(["leadership"])),
        ("html",),
        out,
        date(2026, 11, 25),
        (),
        time_limit=1.0,
    )
    outcomes = build_many([cases], plan, jobs=2)
    assert [o.status for o in outcomes] == ["failed", "failed"]
    for outcome in outcomes:
        assert outcome.timed_out and outcome.error is not None
        assert (
            "the per-case time limit is 1 s and the worker did not stop by itself" in outcome.error
        )
        assert outcome.error.endswith("nothing of this case was changed")


def test_watch_refreshes_only_when_it_holds_the_folder(
    setup: tuple[Path, Path, Path],
    versions: tuple[dict[str, bytes], dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, record, out = setup
    monkeypatch.setenv("RCA_LOCK_WAIT", "0")
    profiles = select_profiles(["leadership"])
    with output_lock(out, "build"), pytest.raises(OutputBusyError):
        refresh(record, profiles, out, ("html",), today=date(2026, 11, 25))
    assert snapshot(out / CASE) == versions[0]
    refresh(record, profiles, out, ("html",), today=date(2026, 11, 25))
    assert snapshot(out / CASE) == versions[1]
