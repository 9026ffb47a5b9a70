"""Files as a whole: atomic replacement and content hashes.

:func:`atomic_path` writes beside the target, then ``os.replace`` over it: readers (QGIS,
Excel, a browser, the next run) see the old file or the new one, never a half-written one,
and a failed write leaves the old file and no temporary file behind. :func:`file_sha256`
is the content hash that input fingerprints and run metadata record; :func:`read_yaml`
reads the county file and the indicator catalog safely, naming the file when it fails;
:func:`writers_of` finds the processes that hold a file open for writing and
:func:`process_alive` tells whether a process (a writer, a run) still lives.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

__all__ = ["atomic_path", "file_sha256", "process_alive", "read_yaml", "writers_of"]

_CHUNK = 1 << 20


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; replace ``path`` with it when the block ends.

    Parameters
    ----------
    path : path-like
        The target; its folder is created if needed.
    suffix : str, default ".tmp"
        End of the temporary name (e.g. ``".tmp.gpkg"`` where a writer goes by extension).

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("new")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('new', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{suffix}")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def file_sha256(path: str | Path) -> str:
    """SHA-256 hex digest of a file's content, read in 1 MiB chunks.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"abc")
    >>> file_sha256(f.name)[:12]
    'ba7816bf8f01'
    >>> os.unlink(f.name)
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


#: The safe YAML loader: libyaml's when PyYAML was built with it.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, error: type[Exception], what: str) -> Any:
    """The content of a YAML file, read safely (no Python objects).

    libyaml's C loader when PyYAML has it: ten times faster than the Python one, and the
    catalog and county file are read by every step of a run.

    Raises
    ------
    error
        ``<path>: <what> not found`` or ``<path>: not valid YAML: ...``.
    """
    try:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except FileNotFoundError as err:
        raise error(f"{path}: {what} not found") from err
    except yaml.YAMLError as err:
        raise error(f"{path}: not valid YAML: {err}") from err


def writers_of(path: str | os.PathLike) -> list[int]:
    """Processes of this machine that hold ``path`` open for writing (empty where unknown).

    Reads ``/proc/<pid>/fd`` and the access mode in ``/proc/<pid>/fdinfo`` (Linux); processes
    this user may not inspect, and systems without ``/proc``, give nothing. A QGIS that edits
    a GeoPackage holds it open read-write even between two saves, when SQLite holds no lock.
    """
    proc = Path("/proc")
    target = Path(path).resolve()
    if not proc.is_dir() or not target.exists():
        return []
    found = []
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            for fd in (pid_dir / "fd").iterdir():
                if os.path.realpath(fd) != str(target):
                    continue
                info = (pid_dir / "fdinfo" / fd.name).read_text()
                flags = int(next(line for line in info.splitlines()
                                 if line.startswith("flags:")).split()[1], 8)
                if flags & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR):
                    found.append(int(pid_dir.name))
                    break
        except (OSError, StopIteration, ValueError):
            continue  # the process ended, or it is not ours to look at
    return sorted(found)


def process_alive(pid: int | None) -> bool:
    """Whether a process with this ID lives on this machine (None: no process)."""
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it lives, as another user's
    return True
