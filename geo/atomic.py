"""Write a file atomically: readers see the old file or the complete new one, never a part.

Rule: the content goes to a temporary file in the target's directory (same file system), is
flushed to disk, and only then renamed over the target (:func:`os.replace`, atomic on POSIX and
Windows). On any failure the temporary file is removed and the target stays as it was. Missing
directories are created. One helper for the whole code base: the data fetch streams into an
:class:`AtomicFile`, the store pointer, ``regio run`` / ``propose`` / ``variants`` outputs and
ensembles use :func:`write_atomic`.

>>> import tempfile
>>> target = Path(tempfile.mkdtemp()) / "out" / "a.txt"
>>> write_atomic(target, "ok")
>>> write_atomic(target, lambda tmp: tmp.write_text("new", encoding="utf-8"))
>>> target.read_text(encoding="utf-8"), [p.name for p in target.parent.iterdir()]
('new', ['a.txt'])
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

__all__ = ["AtomicFile", "write_atomic"]


class AtomicFile:
    """A temporary file beside ``target`` that becomes ``target`` only via :meth:`commit`.

    Use :meth:`write` for the content, then :meth:`commit` (or :meth:`discard`); as a context
    manager it commits on success and discards on an exception.
    """

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = Path(target).expanduser()
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{self.target.name}.", suffix=".part", dir=self.target.parent
        )
        self.tmp = Path(name)
        self.fh = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.fh.write(chunk)

    def commit(self) -> None:
        """Flush to disk and rename over the target."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.target)

    def discard(self) -> None:
        """Forget the content; the target is untouched."""
        self.fh.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def write_atomic(
    path: str | os.PathLike[str], content: str | bytes | Callable[[Path], object]
) -> None:
    """Replace ``path`` by ``content`` atomically (rule in the module docstring).

    ``content`` is text (UTF-8), bytes, or a function that writes the file at the temporary path
    it is given (e.g. ``lambda tmp: frame.to_parquet(tmp)``).
    """
    sink = AtomicFile(path)
    try:
        if not callable(content):
            sink.write(content.encode("utf-8") if isinstance(content, str) else content)
            sink.commit()
            return
        sink.fh.close()
        content(sink.tmp)
        fd = os.open(sink.tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(sink.tmp, sink.target)
    except BaseException:
        sink.discard()
        raise
