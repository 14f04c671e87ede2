"""How fast each hostile or broken input ends, through the real command line.

    .venv/bin/python -m benchmarks.bad_inputs            # about a minute
    .venv/bin/python -m benchmarks.bad_inputs --slow     # also a 1,000-cause record (~1 min)
    .venv/bin/python -m benchmarks.bad_inputs --only chain   # the inputs named so

Each input is run as `rca ...` in a fresh process (start-up included, as a user
sees it) and reported with its wall time, its CPU seconds (the process and the
`dot` and Typst processes it waited for: the figure to trust on a busy
machine), exit code, the number of lines it
printed, whether a traceback appeared, and its first line. The target (issue
11) is under 5 s, one clear line, no traceback; nothing here asserts it, the
tests check the messages (tests/test_bad_inputs.py).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent
CASE = ROOT / "case_reviews" / "ESC-0142.yaml"


def _zip_bomb(folder: Path, unpacked_mib: int) -> Path:
    """A real deck master plus one picture of zeros: ~1 KB packed per MiB unpacked."""
    (folder / "decks").mkdir(parents=True)
    path = folder / "decks" / "default.pptx"
    master = ROOT / "templates" / "decks" / "default.pptx"
    with zipfile.ZipFile(master) as source, zipfile.ZipFile(path, "w") as bomb:
        for info in source.infolist():
            bomb.writestr(info, source.read(info.filename))
        member = zipfile.ZipInfo("ppt/media/image99.png")
        member.compress_type = zipfile.ZIP_DEFLATED
        with bomb.open(member, "w", force_zip64=True) as handle:
            zeros = b"\0" * (1 << 20)
            for _ in range(unpacked_mib):
                handle.write(zeros)
    return folder


def _chain(path: Path, steps: int) -> Path:
    from benchmarks.generate import chain_yaml

    path.write_text(chain_yaml(steps))
    return path


def _big_graph(path: Path, causes: int) -> Path:
    from benchmarks.generate import _as_yaml, big_graph_record

    path.write_text(_as_yaml(big_graph_record(causes).record))
    return path


def _identifiers(folder: Path, count: int) -> Path:
    from benchmarks.privacy_bench import with_identifiers

    return Path(with_identifiers(count, folder).path)


Arguments = list[str] | Callable[[], list[str]]  # a callable: made only when run


def inputs(tmp: Path, slow: bool) -> list[tuple[str, Arguments]]:
    """(name, rca arguments) for every bad input."""
    raw = CASE.read_bytes()
    at = raw.index(b"plausible")
    fifo = tmp / "fifo.yaml"
    os.mkfifo(fifo)
    zero = tmp / "zero.yaml"
    zero.symlink_to("/dev/zero")
    (tmp / "nul.yaml").write_bytes(raw[:at] + b"\0" + raw[at:])
    (tmp / "latin1.yaml").write_bytes(raw[:at] + b"caf\xe9 " + raw[at:])
    (tmp / "utf16.yaml").write_bytes(raw.decode().encode("utf-16"))
    evil = tmp / "evil"
    (evil / "briefs").mkdir(parents=True)
    (evil / "briefs" / "leadership.html.j2").write_text(
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}\n"
    )
    out = str(tmp / "out")
    found: list[tuple[str, Arguments]] = [
        ("named pipe as the record", ["render", str(fifo), "-o", out]),
        ("link to /dev/zero as the record", ["render", str(zero), "-o", out]),
        ("NUL byte", ["render", str(tmp / "nul.yaml"), "-o", out]),
        ("invalid UTF-8 (Latin-1)", ["render", str(tmp / "latin1.yaml"), "-o", out]),
        ("UTF-16 file", ["render", str(tmp / "utf16.yaml"), "-o", out]),
        (
            "3 MB zip-bomb deck master (3 GiB unpacked)",
            lambda: [
                *("render", str(CASE), "-o", out),
                *("--templates", str(_zip_bomb(tmp / "bomb", 3072))),
            ],
        ),
        (
            "sandbox escape in a brief template",
            ["render", str(CASE), "-o", out, "--templates", str(evil)],
        ),
        ("1,000-step chain: analyze", ["analyze", str(_chain(tmp / "chain.yaml", 1000))]),
        (
            "1,000-step chain: render, HTML",
            ["render", str(tmp / "chain.yaml"), "-f", "html", "-o", out],
        ),
        ("1,000-step chain: render, all formats", ["render", str(tmp / "chain.yaml"), "-o", out]),
    ]
    many = str(_identifiers(tmp, 4990))
    found += [
        ("4,990 declared identifiers: validate", ["validate", many]),
        ("4,990 declared identifiers: render, all formats", ["render", many, "-o", out]),
        (
            "5,000 causes: render, all formats",
            lambda: ["render", str(_big_graph(tmp / "big.yaml", 5000)), "-o", out],
        ),
    ]
    if slow:
        found.append(
            (
                "1,000 causes (the most rendered): render, all formats",
                lambda: ["render", str(_big_graph(tmp / "big1000.yaml", 1000)), "-o", out],
            )
        )
    return found


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_one(args: list[str]) -> dict[str, Any]:
    """Run `rca ARGS` once; what a user would see, and how long it took."""
    started, cpu_started = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "rca", *args], capture_output=True, text=True, timeout=900
    )
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu_started
    shown = done.stderr.strip().splitlines() or done.stdout.strip().splitlines()
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),  # the process and what it waited for (dot, typst)
        "exit_code": done.returncode,
        "stderr_lines": len(done.stderr.strip().splitlines()),
        "traceback": "Traceback" in done.stdout + done.stderr,
        "first_line": shown[0][:160] if shown else "",
    }


def main(argv: list[str] | None = None) -> int:
    """Measure every bad input; print a table; optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", action="store_true", help="include a 1,000-cause record")
    parser.add_argument("--only", default="", help="only the inputs whose name holds this")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    options = parser.parse_args(argv)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, args in inputs(Path(folder), options.slow):
            if options.only not in name:
                continue
            results[name] = result = run_one(args() if callable(args) else args)
            print(
                f"{result['seconds']:7.2f} s  {result['cpu_seconds']:6.2f} CPU s  exit {result['exit_code']:<3} "
                f"lines {result['stderr_lines']:<3} traceback {'yes' if result['traceback'] else 'no ':<3}  "
                f"{name}\n{'':38}{result['first_line']}"
            )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
