"""Helpers for tests that break a copy of a shipped data file to see the loader refuse it."""

from __future__ import annotations

import shutil
from pathlib import Path


def copy_of(source: Path, tmp_path: Path) -> Path:
    """A copy of a shipped file or folder under `tmp_path`, with the same name."""
    target = tmp_path / source.name
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy(source, target)
    return target


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in the file; fails when `old` is not there, so a test cannot pass by editing
    nothing."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
