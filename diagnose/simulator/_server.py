"""The HTTP side: a threaded server on 127.0.0.1 around :class:`App`, with latency, faults and a request log."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from diagnose.simulator._app import App, BadRequest, Request, Response
from diagnose.simulator._faults import Fault
from diagnose.simulator._payloads import error
from diagnose.simulator._scenario import Scenario, load_scenario
from diagnose.simulator._state import State


class Simulator:
    """A Twilio-compatible HTTP server driven by a scenario.

    ``with Simulator(scenario) as sim:`` starts it on an ephemeral port (``port=0``)
    in a background thread; ``sim.url`` is where to send requests. ``start()`` and
    ``stop()`` do the same without ``with``. Latency and faults can be changed
    while it runs; every request is recorded in ``sim.requests``.
    """

    MAX_BODY = 1_000_000
    """The largest request body accepted (Twilio's own limit is far below)."""

    def __init__(self, scenario: Any, *, port: int = 0, host: str = "127.0.0.1", read_timeout: float = 10.0) -> None:
        self.scenario: Scenario = load_scenario(scenario)
        self.read_timeout = read_timeout
        """Seconds a request body has to arrive in full, from the end of its headers."""
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._state = State(self.scenario)
        self._app = App(self._state)
        self._latency_ms = self.scenario.latency_ms
        self._page_cap: int | None = None
        self._faults = [dataclasses.replace(f, hits=0, seen=0) for f in self.scenario.faults]
        self._log: list[dict[str, Any]] = []
        self._in_flight = 0
        self._handling: collections.Counter[tuple[str, str]] = collections.Counter()  # (method, path) being answered
        self._peak_in_flight = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self) -> Simulator:
        if self._server is not None:
            return self
        server = _Server((self._host, self._port), _Handler)
        server.simulator = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="twilio-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() or use it in a with block")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: send Twilio's paths and queries here."""
        return f"http://{self._host}:{self.port}"

    # --- world ---

    @property
    def state(self) -> State:
        """Current permissions and settings of every account (read them in assertions, or change them)."""
        return self._state

    @property
    def accounts(self) -> dict[str, dict[str, Any]]:
        """Account SID → sid, auth_token, friendly_name, type, status, parent, home_country, api_keys."""
        return {
            a.sid: {
                "sid": a.sid,
                "auth_token": a.auth_token,
                "friendly_name": a.friendly_name,
                "type": a.type,
                "status": a.status,
                "parent": a.parent,
                "home_country": a.home_country,
                "api_keys": [{"sid": k.sid, "secret": k.secret, "standard": k.standard} for k in a.api_keys],
            }
            for a in self.scenario.accounts
        }

    @property
    def cases(self) -> dict[str, str]:
        """The scenario's ``case`` labels → message or call SID."""
        return self.scenario.cases

    def sample(self, case: str) -> tuple[str, str, tuple[str, str]]:
        """For a ``case`` label: (message or call SID, the account that owns it, credentials).

        The credentials are the main account's SID and auth token: they reach the
        owner's 2010-04-01 resources whether it is the main account or a subaccount.
        """
        sid = self.scenario.cases.get(case)
        if sid is None:
            raise KeyError(f"no case {case!r}; the scenario has: {', '.join(self.scenario.cases) or 'none'}")
        owner = next(a for a in self.scenario.accounts if any(r.sid == sid for r in (*a.messages, *a.calls)))
        main = self.scenario.account(owner.parent) if owner.parent else owner
        assert main is not None
        return sid, owner.sid, (main.sid, main.auth_token)

    def reset(self) -> None:
        """Back to the scenario as loaded: state, latency and faults; the request log is cleared."""
        with self._lock:
            self._state = State(self.scenario)
            self._app = App(self._state)
            self._latency_ms = self.scenario.latency_ms
            self._page_cap = None
            self._faults = [dataclasses.replace(f, hits=0, seen=0) for f in self.scenario.faults]
            self._log.clear()
            self._peak_in_flight = self._in_flight

    # --- latency and faults ---

    @property
    def latency_ms(self) -> int:
        return self._latency_ms

    def set_latency(self, ms: int) -> None:
        """Delay every response by ``ms`` milliseconds (on top of any fault's ``delay_ms``)."""
        if ms < 0:
            raise ValueError("latency cannot be negative")
        self._latency_ms = int(ms)

    def set_page_cap(self, size: int | None) -> None:
        """Answer list pages of at most ``size`` records whatever ``PageSize`` asks (None: as asked, up to
        1,000). The pages' own links carry the smaller size, as a server that caps PageSize answers; a test
        reaches a client's page bound with a few records a page instead of thousands."""
        if size is not None and size < 1:
            raise ValueError("a page holds at least one record")
        self._page_cap = size

    def add_fault(
        self,
        match: str | Fault,
        *,
        status: int | None = None,
        delay_ms: int = 0,
        retry_after: float | None = None,
        times: int | None = None,
        code: int | None = None,
        message: str | None = None,
        rate: float | None = None,
        unapplied: bool = False,
    ) -> Fault:
        """Add a fault rule, e.g. ``add_fault("GET /v1/Alerts", status=429, retry_after=1, times=2)``.

        Rules are tried in the order they were added; the first one that matches
        and is not used up applies. Returns the rule (its ``hits`` counts uses).
        """
        fault = (
            match
            if isinstance(match, Fault)
            else Fault(match, status, delay_ms, retry_after, times, code, message, rate=rate, unapplied=unapplied)
        )
        if fault.status is None and not fault.delay_ms and not fault.unapplied:
            raise ValueError("a fault needs a status, a delay_ms, unapplied, or several")
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if not fault.exhausted and fault.matches(method, path) and fault.sampled():
                    fault.hits += 1
                    return fault
        return None

    # --- request log ---

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request so far: method, path, query, account, credential, status, start, end (monotonic s)."""
        with self._lock:
            return [dict(r) for r in self._log]

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()
            self._peak_in_flight = self._in_flight

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many recorded requests have this method and/or path (exact path, no query)."""
        return sum(
            1
            for r in self.requests
            if (method is None or r["method"] == method.upper()) and (path is None or r["path"] == path)
        )

    def max_in_flight(self, requests: list[dict[str, Any]] | None = None) -> int:
        """The most requests that were being handled at the same moment (from the log's start/end times)."""
        events = []
        for r in self.requests if requests is None else requests:
            events.append((r["start"], 1))
            events.append((r["end"], -1))
        events.sort(key=lambda e: (e[0], e[1]))  # an end at the same instant as a start does not overlap
        peak = current = 0
        for _, delta in events:
            current += delta
            peak = max(peak, current)
        return peak

    def handling(self, method: str, path: str) -> int:
        """How many requests with this method and path (exact, no query) are being answered right now: a
        test can act while a write is held by a fault's ``delay_ms``, with no timing guess."""
        with self._lock:
            return self._handling[(method.upper(), path)]

    @property
    def peak_in_flight(self) -> int:
        """The live counterpart of :meth:`max_in_flight`, since start or the last clear."""
        return self._peak_in_flight

    # --- one exchange (called from handler threads) ---

    def _exchange(self, request: Request, start: float) -> tuple[Response, dict[str, Any]]:
        with self._lock:
            self._in_flight += 1
            self._handling[(request.method, request.path)] += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)
            app = self._app
        try:
            identity = app.authenticate(request.username, request.password)
            if self._latency_ms:
                time.sleep(self._latency_ms / 1000)
            fault = self._take_fault(request.method, request.path)
            if fault is not None and fault.delay_ms:
                time.sleep(fault.delay_ms / 1000)
            if fault is not None and fault.status is not None:
                response = Response(fault.status, fault.error_body(request.path), fault.headers())
            elif fault is not None and fault.unapplied and request.method != "GET":
                with app.state.unapplied():
                    response = _safely(app, request)
            else:
                response = _safely(app, self._capped(request))
        finally:
            with self._lock:
                self._in_flight -= 1
                self._handling[(request.method, request.path)] -= 1
        record = {
            "method": request.method,
            "path": request.path,
            "query": {k: v[-1] if len(v) == 1 else list(v) for k, v in request.query.items()},
            "account": identity.account_sid if identity else None,
            "credential": request.username,
            "status": response.status,
            "fault": fault.match if fault is not None else None,
            "start": start,
            "end": time.monotonic(),
        }
        with self._lock:
            self._log.append(record)
        return response, record

    def _capped(self, request: Request) -> Request:
        """The request with its ``PageSize`` lowered to the page cap, if one is set and it asks for more."""
        cap, asked = self._page_cap, request.query.get("PageSize")
        if cap is None or not asked or not asked[-1].isdigit() or int(asked[-1]) <= cap:
            return request
        return dataclasses.replace(request, query={**request.query, "PageSize": [str(cap)]})


def _safely(app: App, request: Request) -> Response:
    """A bug in a handler answers 500 (with the exception in the message) instead of dropping the connection."""
    try:
        return app.handle(request)
    except Exception as exc:  # the client must get an answer
        message = f"Internal Server Error (simulator bug: {type(exc).__name__}: {exc})"
        return Response(500, error(500, 20500, message))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog (5) stalls bursts of parallel connections for a second
    allow_reuse_address = True
    simulator: Simulator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (Ctrl-C, a timeout) is not a simulator bug: no traceback on stderr.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def track(self, connection: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Close kept-alive connections so handler threads end with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stall
    server: _Server
    server_version = "twilio-simulator"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the simulator keeps its own log
        pass

    def _serve(self) -> None:
        start = time.monotonic()
        try:
            request = Request.parse(
                self.command,
                self.path,
                body=self._body(),
                content_type=self.headers.get("Content-Type", ""),
                authorization=self.headers.get("Authorization", ""),
            )
        except BadRequest as exc:
            self.close_connection = True  # what follows on this connection cannot be trusted to be a request
            self._answer(Response(400, error(400, 20001, str(exc))))
            return
        response, _ = self.server.simulator._exchange(request, start)
        self._answer(response)

    def _body(self) -> bytes:
        """The body, as long as ``Content-Length`` says, read within the simulator's read deadline."""
        declared = self.headers.get("Content-Length")
        if declared is None:
            return b""
        text = declared.strip()
        if not (text.isascii() and text.isdigit()):
            raise BadRequest(f"Content-Length {declared[:20]!r} is not a number of bytes")
        length = int(text)
        if length > Simulator.MAX_BODY:
            raise BadRequest(f"Content-Length {length} is more than the {Simulator.MAX_BODY} bytes accepted")
        seconds = self.server.simulator.read_timeout
        deadline = time.monotonic() + seconds
        body = bytearray()
        try:
            while len(body) < length:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.connection.settimeout(remaining)
                chunk = self.rfile.read1(length - len(body))
                if not chunk:
                    break
                body += chunk
        except OSError:  # the deadline (a socket timeout) or the client went away
            pass
        finally:
            self.connection.settimeout(None)
        if len(body) < length:
            raise BadRequest(
                f"the body is shorter than its Content-Length: {len(body)} of {length} bytes "
                f"arrived within {seconds:g} s"
            )
        return bytes(body)

    def _answer(self, response: Response) -> None:
        payload = response.encode()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Twilio-Request-Id", "RQ" + uuid.uuid4().hex)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve


def _banner(sim: Simulator, source: str) -> str:
    scenario = sim.scenario
    main = next(a for a in scenario.accounts if a.parent is None)
    lines = [
        f"Twilio simulator listening on {sim.url}  (scenario: {source})",
        "",
        "Point diagnose at it:",
        f"  export DIAGNOSE_API_URL={sim.url}",
        f"  export TWILIO_ACCOUNT_SID={main.sid}",
        f"  export TWILIO_AUTH_TOKEN={main.auth_token}",
        "",
        "Accounts:",
    ]
    for account in scenario.accounts:
        role = f"subaccount of {account.parent}" if account.parent else "main account"
        lines.append(f"  {account.sid}  {account.friendly_name!r}  {account.type}, {role}")
        lines.append(f"    auth token {account.auth_token}")
        for key in account.api_keys:
            kind = "standard" if key.standard else "main"
            lines.append(f"    API key {key.sid} ({kind})  secret {key.secret}")
    if scenario.cases:
        lines += ["", "Sample SIDs:"]
        width = max(len(case) for case in scenario.cases)
        for case, sid in scenario.cases.items():
            lines.append(f"  {case:<{width}}  {sid}")
    lines += ["", "Press Ctrl-C to stop."]
    return "\n".join(lines)


def serve(scenario_path: str | None, port: int) -> None:
    """Run the simulator in the foreground until Ctrl-C, printing its URL, credentials and sample SIDs."""
    from diagnose.simulator import DEMO_SCENARIO

    # a path, whatever it looks like: '/dev/null' is no YAML text
    source = DEMO_SCENARIO if scenario_path is None else Path(scenario_path)
    sim = Simulator(source, port=port)
    sim.start()
    try:
        print(_banner(sim, Path(str(source)).name), flush=True)
        stop = threading.Event()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("\nStopping the simulator.", flush=True)
    finally:
        sim.stop()
