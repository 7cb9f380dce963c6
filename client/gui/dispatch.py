"""``Dispatcher``: how the GUI thread and the engine thread talk.

Widgets never wait: a command is a coroutine submitted to the engine thread,
and its result comes back as a call on the GUI thread. What crosses is a value
(a snapshot, a dict, a string), never a live engine object.

Signals:
    failed(str)   a command failed: a sentence for the user
    info(str)     something worth a status-bar message
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from client.engine import Engine
from client.errors import ClientError, ServerUnreachable
from client.gui.i18n import tr


class Dispatcher(QObject):
    failed = Signal(str)
    info = Signal(str)
    _deliver = Signal(object, object)

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.closed = False
        # Set once the server answers; commands given earlier wait for it.
        self.server_ready = threading.Event()
        self._deliver.connect(self._on_deliver)

    def to_gui(self, fn: Callable[[Any], None], arg: Any) -> None:
        """Call ``fn(arg)`` on the GUI thread, from any thread. Public signals are
        emitted only there: a signal emitted on the engine thread would run
        plain-callable slots (pytest-qt's blockers, lambdas) on that thread."""
        self._deliver.emit(fn, arg)

    @Slot(object, object)
    def _on_deliver(self, callback: Callable[[Any], None], result: Any) -> None:
        if not self.closed:
            callback(result)

    def submit(
        self,
        coro: Coroutine[Any, Any, Any],
        what: str,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        wait_for_server: bool = True,
    ) -> concurrent.futures.Future[Any]:
        """Run ``coro`` on the engine; failure becomes ``failed`` (and ``on_error``),
        success calls ``on_done`` with the result — both on the GUI thread.
        Unless told otherwise, it waits until the server answers."""
        if self.closed:
            coro.close()
            cancelled: concurrent.futures.Future[Any] = concurrent.futures.Future()
            cancelled.cancel()
            return cancelled
        if wait_for_server and not self.server_ready.is_set():
            coro = self._after_server_ready(coro)
        future = self.engine.submit(coro)

        def done(f: concurrent.futures.Future[Any]) -> None:
            if f.cancelled():
                return
            exc = f.exception()
            if exc is not None:
                self.to_gui(
                    self.failed.emit,
                    f"{what}: {exc}"
                    if isinstance(exc, ClientError)
                    else tr("{what} failed unexpectedly: {error}").format(
                        what=what, error=f"{type(exc).__name__}: {exc}"
                    ),
                )
                if on_error is not None:
                    self.to_gui(on_error, exc)
            elif on_done is not None:
                self.to_gui(on_done, f.result())

        future.add_done_callback(done)
        return future

    async def _after_server_ready(self, coro: Coroutine[Any, Any, Any]) -> Any:
        if not await asyncio.to_thread(self.server_ready.wait, 30):
            coro.close()
            raise ServerUnreachable("the embedded server did not start")
        return await coro
