"""The Typst compiler in a process of its own, so that a brief that runs away can be stopped.

Typst compiles in Rust and never looks at Python's signals, so the time
limit WeasyPrint gets from SIGALRM cannot reach it in-process. The renderer
(`rca.render.typst`) starts this module as a child process, sends it one job
at a time over stdin and waits for the answer with a deadline; past it the
child is killed and the next brief starts a fresh one. The child also caps
its own address space, so a pathological brief fails instead of taking the
machine's memory.

Protocol, both ways: a 4-byte big-endian length, then that many bytes.
Request: JSON {"source", "root", "inputs", "fonts", "standards"}.
Answer: one status byte (b"0" the PDF follows, b"1" an error message follows,
UTF-8), then the payload.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import tempfile
from typing import IO, Any

# A brief needs well under 300 MB; the cap only stops a runaway.
MEMORY_BYTES = int(os.environ.get("RCA_TYPST_MEMORY_MB", "2048")) * 1024 * 1024
# Typst memoises across documents; start a fresh compiler now and then so a
# long batch does not grow without bound.
RECYCLE_AFTER = 50


def read_frame(stream: IO[bytes]) -> bytes | None:
    """One length-prefixed frame, or None at the end of the stream."""
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack(">I", head)
    data = stream.read(size)
    return data if len(data) == size else None


def write_frame(stream: IO[bytes], data: bytes) -> None:
    """Write one length-prefixed frame and flush it."""
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    except (ImportError, ValueError, OSError):  # not POSIX, or a lower hard limit already
        pass


def compile_job(job: dict[str, Any], compilers: dict[Any, Any], empty: str) -> bytes:
    """Compile one request to PDF bytes (raises typst.TypstError on a template error)."""
    import typst

    key = tuple(job["fonts"])
    entry = compilers.get(key)
    if entry is None or entry[1] >= RECYCLE_AFTER:
        # Packages from an empty folder (`empty`) only: no template reads a package
        # cache or local package outside its own folder (and the parent gives
        # this process no network, see rca.render.typst).
        entry = [
            typst.Compiler(
                font_paths=job["fonts"],
                ignore_system_fonts=True,
                package_path=empty,
                package_cache_path=empty,
            ),
            0,
        ]
        compilers[key] = entry
    entry[1] += 1
    compiler = entry[0]

    def run(standards: list[str]) -> bytes:
        pdf: bytes = compiler.compile(
            input=job["source"].encode("utf-8"),
            root=job["root"],
            format="pdf",
            sys_inputs=job["inputs"],
            pdf_standards=standards,
            pdf_tags=True,
        )
        return pdf

    try:
        return run(job["standards"])
    except typst.TypstError as exc:
        # PDF/UA-1 refuses a character no embedded font can show (a record's
        # CJK, emoji, private-use text); the brief is still made, tagged, with
        # the fonts' missing-glyph box, as WeasyPrint does, but not claimed UA.
        if not job["standards"] or "PDF/UA-1 error" not in str(exc):
            raise
        return run([])


def main() -> None:
    """Serve compile requests on stdin until it closes."""
    _limit_memory()
    import typst

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    compilers: dict[Any, Any] = {}
    with tempfile.TemporaryDirectory(prefix="rca-typst-packages-") as empty:
        while (frame := read_frame(stdin)) is not None:
            try:
                answer = b"0" + compile_job(json.loads(frame), compilers, empty)
            except typst.TypstError as exc:
                answer = b"1" + str(exc).encode("utf-8", "replace")
            except MemoryError:
                answer = b"1" + b"the brief needs more memory than its limit allows"
            write_frame(stdout, answer)


if __name__ == "__main__":
    main()
