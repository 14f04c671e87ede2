"""The user's private cache folder: what rca keeps between runs that must not sit beside outputs.

`$RCA_CACHE_DIR`, else `$XDG_CACHE_HOME/rca`, else `~/.cache/rca`; `RCA_CACHE_DIR=`
(empty) turns every cache off. A folder is used only when it is the user's own
and private (mode 700): the site's records cache holds declared identifiers,
and compiled templates are code this process runs.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

CACHE_VARIABLE = "RCA_CACHE_DIR"


def private_folder(name: str) -> Path | None:
    """`<cache>/<name>`, made mode 700 if need be; None when caching is off or the folder is unsafe."""
    base = os.environ.get(CACHE_VARIABLE)
    if base == "":
        return None
    try:
        if base is None:
            xdg = os.environ.get("XDG_CACHE_HOME", "")
            home = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
            base = str(home / "rca")
        folder = Path(base) / name
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except (OSError, RuntimeError):  # RuntimeError: no home folder to find
        return None
    owner = getattr(os, "getuid", lambda: info.st_uid)()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != owner or info.st_mode & 0o077:
        return None
    return folder
