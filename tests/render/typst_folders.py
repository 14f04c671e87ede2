"""Template folders made for tests of what a Typst template may read."""

from __future__ import annotations

from pathlib import Path


def template_reading_a_link_out(folder: Path, template: str, outside: Path) -> None:
    """`folder/template` reads `notes.txt`, a link to a secret file in `outside` (a folder
    that is not a template folder); the link must be refused before Typst runs."""
    secret = outside / "secret.txt"
    secret.write_text("zq-secret")
    folder.mkdir(parents=True)
    (folder / template).write_text('#read("notes.txt")\n')
    (folder / "notes.txt").symlink_to(secret)
