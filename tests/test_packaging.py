"""The wheel ships every module, template, case and schema: nothing is found via the CWD."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
# Top-level folders that install as subpackages of rca (see [tool.setuptools.package-dir]).
MAPPED = {
    "templates": "rca.templates",
    "case_reviews": "rca.case_reviews",
    "schemas": "rca.schemas",
}
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def source_folders() -> dict[str, Path]:
    """Package name -> folder, for every folder under rca/ and the mapped tops holding files."""
    found = {}
    for top in ("rca", *MAPPED):
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]:
            if not folder.is_dir() or "__pycache__" in folder.parts:
                continue
            if not any(f.is_file() for f in folder.iterdir()):
                continue
            rel = folder.relative_to(ROOT).parts
            package = ".".join([MAPPED.get(rel[0], rel[0]), *rel[1:]])
            found[package] = folder
    return found


def test_every_source_folder_is_a_listed_package() -> None:
    missing = sorted(set(source_folders()) - set(CONFIG["packages"]))
    assert missing == [], "add these to [tool.setuptools] packages in pyproject.toml"


def test_every_folder_with_data_files_declares_them() -> None:
    undeclared = [
        package
        for package, folder in source_folders().items()
        if any(f.is_file() and f.suffix not in (".py", ".pyc") for f in folder.iterdir())
        and package not in CONFIG["package-data"]
    ]
    assert undeclared == [], "add package-data entries for these in pyproject.toml"
