"""Files the app hands out to be downloaded, written so that no reader ever sees one half-written.

A class makes the same call at the same moment ("everyone, classify the cat"), and identical calls
give identical output files. Named after their content, they land at the same path; a file written
in place there (opened for writing, which empties it first) was emptied under a response still
sending the previous copy, and the download broke off ("received 0 bytes, expected 15322"). Here a
file is written under a temporary name in the same folder and renamed into place (``os.replace``
is atomic on POSIX): a reader opens either no file or the whole file, and one that has it open
keeps reading the copy it opened.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def write_by_content(data: bytes, root: str | Path, name: str) -> Path:
    """``data`` as ``root/dle-<sha256 of data>/name``, written whole before it appears.

    A file already there has these very bytes (its folder is named after them) and was renamed
    into place whole: it is reused, not written again, and touched (its age restarts, so a cache
    that deletes files by age keeps it as long as it is being handed out)."""
    folder = Path(root) / f"dle-{hashlib.sha256(data).hexdigest()}"
    path = folder / name
    try:
        os.utime(path)
        return path
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
