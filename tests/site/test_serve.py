"""`rca serve`: serves the site on localhost, rebuilds on a change, hides its caches, stops cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rca.audience import select_profiles
from rca.serve import serve_site
from rca.site.build import build_site
from tests.site.conftest import TODAY, copy_cases


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_serve_rebuilds_after_an_edit_and_keeps_the_last_good_site(tmp_path: Path) -> None:
    source = copy_cases(tmp_path / "cases", ("ESC-0142", "ESC-0178"))
    (profile,) = select_profiles(["leadership"], ())

    def build() -> Path:
        return build_site(source, tmp_path / "site", profile, formats=("html",), today=TODAY,
                          jobs=1, trends=False).out  # fmt: skip

    said: list[str] = []
    ready: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_site,
        args=(build, [source]),
        kwargs={
            "port": 0,
            "interval": 0.1,
            "echo": said.append,
            "stop": stop,
            "on_ready": ready.append,
        },
    )
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not ready and time.monotonic() < deadline:
            time.sleep(0.05)
        (url,) = ready
        assert url.startswith("http://127.0.0.1:")
        assert any(f"{url}index.html" in line for line in said)
        status, page = _get(url + "index.html")
        assert status == 200 and "ESC-0178" in page
        assert _get(url + ".rca-site.json")[0] == 404  # caches are not served
        assert _get(url + "cases/.rca-cache.json")[0] == 404

        record = source / "ESC-0178.yaml"
        text = record.read_text(encoding="utf-8")
        record.write_text(
            text.replace("title: Emergency request", "title: Served emergency request"),
            encoding="utf-8",
        )
        deadline = time.monotonic() + 60
        while (
            "Served emergency request" not in _get(url + "index.html")[1]
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        assert "Served emergency request" in _get(url + "index.html")[1]

        # A broken save: the problems are printed and the last good site stays up.
        record.write_text(text.replace("severity: serious", "severity: grave", 1), encoding="utf-8")
        deadline = time.monotonic() + 60
        while not any("not rebuilt" in line for line in said) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert any("not rebuilt" in line and "escalation.severity" in line for line in said)
        assert "Served emergency request" in _get(url + "index.html")[1]
    finally:
        stop.set()
        thread.join(timeout=30)
    assert said[-1] == "stopped"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "index.html", timeout=2)


def test_rca_serve_prints_its_address_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    source = copy_cases(tmp_path / "cases", ("ESC-0157",))
    command = [sys.executable, "-m", "rca", "serve", str(source), "--out", str(tmp_path / "site"),
               "--port", "0", "--format", "html", "--no-trends", "--today", "2026-11-25"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Serving the case library at "):
                break
        url = lines[-1].split(" at ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/index.html")
        assert _get(url)[0] == 200
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, "".join(lines) + rest
    assert rest.strip().endswith("stopped") and "Traceback" not in rest
