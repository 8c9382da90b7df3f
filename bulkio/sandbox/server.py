"""``Sandbox``: run the emulator with real uvicorn on loopback, in a background thread."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from bulkio.sandbox.admin import SandboxAdmin
from bulkio.sandbox.app import build_app
from bulkio.sandbox.endpoint import ApiConfig
from bulkio.sandbox.faults import FaultInjector, FaultPlan
from bulkio.sandbox.ratelimit import Limits
from bulkio.sandbox.state import SandboxState
from bulkio.sandbox.storage import Store

log = logging.getLogger("bulkio.sandbox")


class _CoalescingTransport:
    """Joins the writes of one loop iteration into one ``send``.

    uvicorn writes the status line/headers and the body separately; on loopback each send
    is a syscall that dominates the cost of a small JSON answer, so one is better than two.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._buffer: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._buffer:
            self._loop.call_soon(self.flush)
        self._buffer.append(bytes(data))

    def flush(self) -> None:
        if self._buffer:
            data = b"".join(self._buffer)
            self._buffer.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._buffer.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _protocol_class(registry: dict[Any, asyncio.Transport]) -> type[H11Protocol]:
    """An h11 protocol that records each connection's transport so faults can abort it."""

    class RegisteringProtocol(H11Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            wrapped = _CoalescingTransport(transport)  # type: ignore[arg-type]
            super().connection_made(wrapped)  # type: ignore[arg-type]
            if self.client is not None:
                registry[tuple(self.client)] = self.transport

        def connection_lost(self, exc: Exception | None) -> None:
            if self.client is not None and registry.get(tuple(self.client)) is self.transport:
                del registry[tuple(self.client)]
            super().connection_lost(exc)

    return RegisteringProtocol


class Sandbox:
    """A running emulator of the Contacts API v3.

    ``db_path`` None keeps everything in memory; a file persists contacts, and the default
    location id and token stay the same for that file. ``rate_limit``/``daily_limit`` of 0 or
    None switch the limits off. ``faults`` is a fault plan as the admin endpoint takes it
    (e.g. ``{"p503": 0.05, "sequence": [429, "drop_after_commit"]}``). ``search_lag_ms``
    makes search and duplicate lookups see each write only that long after it, as the real
    API's search index does (0, the default: at once).
    """

    def __init__(
        self,
        db_path: str | Path | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        rate_limit: int | None = 100,
        rate_interval_ms: int = 10_000,
        daily_limit: int | None = 200_000,
        latency_ms: int = 0,
        max_bulk_tag_ids: int = 500,
        faults: Mapping[str, Any] | None = None,
        search_lag_ms: int = 0,
    ) -> None:
        plan = FaultPlan.from_json(dict(faults or {}))
        if latency_ms:
            plan.latency_ms = latency_ms
        self.store = Store(db_path)
        self.store.set_search_lag(search_lag_ms)
        self.state: SandboxState = build_app(
            self.store,
            limits=Limits(rate_limit or None, rate_interval_ms, daily_limit or None),
            faults=FaultInjector(plan),
            config=ApiConfig(max_bulk_tag_ids=max_bulk_tag_ids),
        )
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._admin: SandboxAdmin | None = None

    # ------------------------------------------------------------------ properties
    @property
    def url(self) -> str:
        """Base URL of the API, e.g. ``http://127.0.0.1:8123``."""
        return f"http://{self._host}:{self._port}"

    @property
    def token(self) -> str:
        """Bearer token of the default location."""
        return self.store.default_token

    @property
    def location_id(self) -> str:
        """The default location id."""
        return self.store.default_location_id

    @property
    def admin(self) -> SandboxAdmin:
        """Sync helper over the admin endpoints."""
        if self._admin is None:
            self._admin = SandboxAdmin(self.url)
        return self._admin

    # ------------------------------------------------------------------ lifecycle
    def _config(self) -> uvicorn.Config:
        return uvicorn.Config(
            self.state.app,
            host=self._host,
            port=self._port,
            http=_protocol_class(self.state.transports),
            loop="asyncio",
            lifespan="off",
            log_level="warning",
            access_log=False,
        )

    def start(self) -> Sandbox:
        """Start uvicorn in a background thread and wait until it listens.

        Raises :class:`OSError` (``errno.EADDRINUSE`` when the port is taken) from binding
        the socket here, before uvicorn runs, so the caller decides what the user reads.
        """
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._port))
        except BaseException:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        server = uvicorn.Server(self._config())
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                        name="bulkio-sandbox", daemon=True)  # fmt: skip
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError(f"sandbox could not start on {self._host}:{self._port}")
            time.sleep(0.01)
        log.info("sandbox listening on %s", self.url)
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (Ctrl-C)."""
        config = self._config()
        server = uvicorn.Server(config)
        self._server = server
        server.run()

    def stop(self) -> None:
        """Stop the server and close the database."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._server = None
        self.store.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
