"""A loopback TCP proxy that plays a long or broken link between two of our processes.

`delay` is added to each direction (a round trip costs 2 × delay); a new connection first
waits one round trip, as a TCP handshake over that link would. `stall` accepts connections
and bytes and answers nothing; `response_delay` holds back only the answers (the far end has
done the work, the near end hears of it late). It counts connections and request turns, so a
test can say "one round trip" without timing anything. bench/ uses it too.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import suppress


class LinkProxy:
    def __init__(
        self,
        target: tuple[str, int],
        *,
        delay: float = 0.0,
        stall: bool = False,
        response_delay: float = 0.0,
    ):
        self.target = target
        self.delay = delay
        self.stall = stall
        self.response_delay = response_delay
        self.connections = 0
        self.turns = 0  # chunks sent towards the target after an answer (or first): requests
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _addr = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.connections += 1
                self._sockets.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        if self.stall:  # take every byte, answer nothing, until closed
            with suppress(OSError):
                while not self._closed.is_set() and client.recv(65536):
                    pass
            return
        if self.delay:
            time.sleep(2 * self.delay)  # the handshake's round trip
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        # The link's delay is ours to add: no Nagle hold-back on top of it.
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._sockets.append(upstream)
        state = {"answered": True}
        threading.Thread(
            target=self._pump, args=(client, upstream, self.delay, state, True), daemon=True
        ).start()
        self._pump(upstream, client, self.delay + self.response_delay, state, False)

    def _pump(self, source, sink, delay: float, state: dict, towards_target: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if towards_target:
                    with self._lock:
                        if state["answered"]:
                            self.turns += 1
                        state["answered"] = False
                else:
                    state["answered"] = True
                if delay:
                    time.sleep(delay)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._closed.set()
        with suppress(OSError):
            self._server.close()
        with self._lock:
            for s in self._sockets:
                with suppress(OSError):
                    s.close()
        self._thread.join(timeout=2)

    def __enter__(self) -> LinkProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
