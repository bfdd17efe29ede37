"""One status line on stderr while something takes seconds, redrawn in place; silent off a terminal.

Commands hand it text (``progress.update("uploading churn")``) or use :meth:`Progress.sync_event`
as the ``progress`` callback of :func:`hokusai.sync.sync_pending`: any callback-based progress
from the SDK plugs in the same way, so the display stays in the command line and the SDK only
reports events. Off a terminal (CI logs, pipes, ``--quiet``) nothing is written, so captured
output holds results and errors only.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from hokusai.sync import SyncEvent

_FRAMES = "|/-\\"
_TICK_SECONDS = 0.2

SYNC_STAGE_TEXT = {
    "checking": "checking the hosted registry",
    "downloading": "reading the local model files",
    "uploading": "uploading",
}


class Progress:
    """A context manager: the line is drawn while inside it and erased on the way out."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self.enabled = self._stream.isatty() if enabled is None else enabled
        self._text = ""
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._frame = 0

    def __enter__(self) -> Progress:
        if self.enabled:
            self._ticker = threading.Thread(target=self._tick, name="hokusai-progress", daemon=True)
            self._ticker.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.enabled:
            with self._lock:
                self._stream.write("\r\033[K")
                self._stream.flush()

    def update(self, text: str) -> None:
        """Show ``text`` (with a spinner and the seconds elapsed) until the next update."""
        self._text = text
        self._draw()

    def sync_event(self, event: SyncEvent) -> None:
        """The ``progress`` callback of ``sync_pending``: which record, which stage."""
        record = event.record
        where = f"[{event.index}/{event.total}] {record.name} v{record.local_version}"
        stage = "done" if event.item is not None else SYNC_STAGE_TEXT.get(event.stage, event.stage)
        self.update(f"{where}: {stage}")

    def _draw(self) -> None:
        if not self.enabled or not self._text:
            return
        seconds = int(time.monotonic() - self._started)
        with self._lock:
            frame = _FRAMES[self._frame % len(_FRAMES)]
            self._stream.write(f"\r\033[K{frame} {self._text} ({seconds}s)")
            self._stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(_TICK_SECONDS):
            self._frame += 1
            self._draw()


def progress_for(quiet: bool) -> Progress:
    """The progress line for a command: on stderr, only when it is a terminal and not --quiet."""
    return Progress(sys.stderr, enabled=False) if quiet else Progress(sys.stderr)
