"""The SQLite database's files kept private: the file (and its WAL and shared-memory files)
0600, its folder 0700, on creation and again on every start."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

_POSIX = os.name == "posix"
SIDE_FILES = ("-wal", "-shm", "-journal")


def make_private(database: str | Path) -> None:
    """Create the database's folder (0700) and an empty database file (0600) if missing, and
    take group and other access off both, and off the side files SQLite keeps next to it."""
    path = Path(database)
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if _POSIX:
        _tighten_folder(folder)
    if not path.exists():
        # O_EXCL: a file another process made in between is left as it is (and tightened
        # below); SQLite gives its WAL and shared-memory files the database file's mode.
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
    if _POSIX:
        for p in (path, *(Path(f"{path}{s}") for s in SIDE_FILES)):
            _owner_only(p)


def _owner_only(path: Path) -> None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(path, stat.S_IMODE(st.st_mode) & 0o700)


def _tighten_folder(folder: Path) -> None:
    """A folder of our own holding the database goes to 0700; a shared one (sticky like
    /tmp, someone else's, the working or home directory) is only warned about."""
    st = folder.stat()
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o077:
        return
    shared = (st.st_uid != os.getuid() or mode & stat.S_ISVTX
              or folder.resolve() in (Path.cwd().resolve(), Path.home().resolve()))
    if shared:
        log.warning("The database's folder is open to other users: keep the database in a "
                    "folder of its own (it is made 0700 then).")
        return
    os.chmod(folder, 0o700)
