"""Whether followup can write a file or a folder the settings name, and the fix that fits what
is in the way: a folder where a file belongs, a file where a folder belongs, a folder this user
may not write, or a folder that doesn't exist and can't be made. A missing folder that can be
made is no problem: followup makes it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

Access = Callable[[Path, int], bool]  # os.access; a test may give its own
Trouble = tuple[str, str]  # what is wrong, what to do


def file_trouble(
    path: Path, key: str, access: Access = os.access, *, example: str = ""
) -> Trouble | None:
    """Why no file can be written at `path` (named by the settings `key`), or None; `example`
    is a file name to suggest."""
    if path.is_dir():
        return (
            f"{path} is a folder, not a file",
            f"set {key} to a file in it, such as {path / (example or path.name)}",
        )
    if path.exists() and not access(path, os.W_OK):
        return (
            f"{path} can't be written by this user",
            f"give this user write access (chmod u+w {path}), or set {key} to another file",
        )
    return _folder_trouble(path.parent, key, access)


def folder_trouble(path: Path, key: str, access: Access = os.access) -> Trouble | None:
    """Why files can't be written in the folder `path` (named by `key`), or None."""
    if path.exists() and not path.is_dir():
        return (
            f"{path} is a file, not a folder",
            f"set {key} to a folder (or move {path} out of the way)",
        )
    return _folder_trouble(path, key, access)


def _folder_trouble(folder: Path, key: str, access: Access) -> Trouble | None:
    """The folder exists and may be written, or can be made: None; else why and what to do."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return (
            f"{folder} can't be made: {existing} is a file",
            f"set {key} to a path in a folder, or move {existing} out of the way",
        )
    if access(existing, os.W_OK | os.X_OK):
        return None
    if existing == folder:
        return (
            f"the folder {folder} can't be written by this user",
            f"give this user write access (chmod u+w {folder}), or set {key} to a path in a "
            "folder this user may write",
        )
    return (
        f"the folder {folder} doesn't exist and this user can't make it ({existing} can't be "
        "written)",
        f"make it for this user (mkdir -p {folder}, as a user who may), or set {key} to a path "
        "in a folder this user may write",
    )
