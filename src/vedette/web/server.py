"""How `vedette serve` runs uvicorn: the HTTP protocol of every connection, and the worker processes.

* **TCP_NODELAY on every connection.** asyncio sets it only on sockets whose ``proto`` is
  ``IPPROTO_TCP``; the listening sockets uvicorn binds (and hands to worker processes) have ``proto`` 0,
  so their connections kept Nagle's algorithm. A response written in two parts (head, then body) then
  waited for the client's delayed ACK: about 40 ms added to every request after the first on a
  kept-alive connection, which is how browsers and API clients talk.
* **A listening socket per worker process** (``SO_REUSEPORT``), so that the kernel spreads connections
  over the processes. With one socket shared by all of them, the process that wakes first accepts every
  connection waiting (an event loop accepts up to its backlog per wake-up): under a burst of new
  keep-alive connections one process served nearly all the clients while the others idled.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.supervisors.multiprocess import Multiprocess

PROTOCOL = "vedette.web.server:NoDelayHTTPProtocol"  # uvicorn's ``http=``, importable in worker processes


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):  # the peer already went away: nothing to tune
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)  # type: ignore[arg-type]


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT`` (not yet listening: its worker listens)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class SpreadWorkers(Multiprocess):
    """uvicorn's supervisor (health checks, restarts, signals), each worker on a ``SO_REUSEPORT`` socket of
    its own. A worker's socket lives exactly as long as the worker: the parent closes its copy as soon as
    the worker has started (the fd passed to the child at spawn), so a dead worker leaves no listening
    socket behind that nobody accepts on, and its replacement binds a new one."""

    def __init__(self, config: Config) -> None:
        self._handed: list[socket.socket] = []
        self._first: socket.socket | None = reuseport_socket(config.host, config.port)  # fails early if taken
        super().__init__(config, sockets=[])

    @property  # type: ignore[override]
    def sockets(self) -> list[socket.socket]:  # read once for each worker uvicorn starts
        sock, self._first = self._first or reuseport_socket(self.config.host, self.config.port), None
        self._handed.append(sock)
        return [sock]

    @sockets.setter
    def sockets(self, _value: Any) -> None:  # Multiprocess.__init__ assigns its list: ours are made per worker
        pass

    def _close_handed(self) -> None:
        while self._handed:
            self._handed.pop().close()

    def keep_subprocess_alive(self) -> None:
        self._close_handed()  # the workers started since the last look have their copies
        super().keep_subprocess_alive()
        self._close_handed()

    def run(self) -> None:
        try:
            super().run()
        finally:
            self._close_handed()
