"""Full-text search that works from the files: a Pagefind index of the case pages.

Pagefind (its binary ships in the `pagefind-bin` wheel) indexes the site's own
case pages, as rendered in memory and before any is written, inside the
element marked `data-pagefind-body`: the index holds exactly the text those
pages show the audience, and is itself read back by the site's leak guard.
Only the files the browser needs are kept (the search module, its worker and
WebAssembly, the index); Pagefind's prebuilt UI bundles are not, since the
site has its own small search page.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rca.artifact import Artifact
from rca.errors import RcaError

FOLDER = "pagefind"
# Pagefind's own UI bundles: never loaded by the site.
_UNUSED = ("pagefind-ui.", "pagefind-component-ui.", "pagefind-modular-ui.", "pagefind-highlight.")
TIMEOUT = 300  # seconds; 1,000 case pages take about one


def pagefind_executable() -> Path:
    """The Pagefind binary shipped by the `pagefind-bin` package."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise RcaError(
            "the site's search needs Pagefind: install rca with its dependencies "
            "(`pip install -e .`, or ./scripts/setup.sh)"
        ) from None
    return Path(get_executable())


def search_index(pages: Sequence[Artifact], audience: str) -> list[Artifact]:
    """The Pagefind index of `pages` (HTML, named by their path in the site), in memory."""
    with tempfile.TemporaryDirectory(prefix="rca-pagefind-") as tmp:
        site, bundle = Path(tmp) / "site", Path(tmp) / "bundle"
        for page in pages:
            target = site / page.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page.data)
        site.mkdir(exist_ok=True)
        command = [
            str(pagefind_executable()),
            "--site", str(site),
            "--output-path", str(bundle),
            "--keep-index-url",  # result links end in index.html: they open from a plain server
            "--force-language", "en",
            "--silent",
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise RcaError(f"search index: Pagefind took longer than {TIMEOUT} s") from None
        except OSError as exc:
            raise RcaError(f"search index: cannot run Pagefind: {exc.strerror}") from None
        if done.returncode != 0:
            # Pagefind's own words; it quotes no page text in its errors.
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-600:]
            raise RcaError(f"search index: Pagefind failed (exit {done.returncode}): {detail}")
        out = [
            Artifact(f"{FOLDER}/{path.relative_to(bundle).as_posix()}", path.read_bytes(), audience)
            for path in sorted(bundle.rglob("*"))
            if path.is_file() and not path.name.startswith(_UNUSED)
        ]
        shutil.rmtree(site, ignore_errors=True)
    return out
