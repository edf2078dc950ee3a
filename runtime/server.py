"""The HTTP adapter: KServe v2 endpoints on Starlette, delegating to the protocol and repository.

Handlers only read the request, call :mod:`~hybrid.runtime.protocol` and
:class:`~hybrid.runtime.repository.ModelRepository`, and write what those return; every error
is an :class:`~hybrid.runtime.errors.InferenceError` turned into ``{"error": ...}`` here.

Note [The infer fast path]
    Inference requests are the hot path: at high concurrency on a small model the server's own
    per-request cost decides throughput, so ``POST .../infer`` is answered by a plain ASGI callable
    in front of Starlette (``_InferRoute``). It matches the path with one regular expression, reads
    the body straight from ``receive``, hands it to the protocol functions (which parse the JSON
    header once and view binary tensors with ``numpy.frombuffer``), awaits the scheduler through
    an asyncio future, and sends the response as two ASGI messages. It skips Starlette's router,
    exception middlewares and Request/Response objects, which cost more per request than the
    model on a LeNet-sized network. Every other endpoint stays an ordinary Starlette route.

Note [Request limits]
    Each request has ``request_timeout`` seconds from the moment its headers arrived: a client
    still sending its body then gets 408; a request still waiting for the model gets 503. An
    inference request whose client disconnects is cancelled (its queue entry is dropped, or its
    answer discarded). Bodies above 1 MiB are parsed on a worker thread, in chunks (Note [Reading
    large JSON requests]), so health checks keep answering while large requests are parsed.
    Responses above ``max_response_bytes`` are refused with 400 before they are built. Error
    bodies never carry the repository's absolute path, and 500s carry no exception text (the
    log has the traceback).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from importlib import metadata
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import protocol
from .control import Control, Poller
from .errors import (
    InferenceError,
    InvalidInputError,
    ModelLoadError,
    SchedulerClosedError,
    ServerBusyError,
)
from .metrics import render_prometheus
from .receive import maybe_offload, read_body, slow_client, unless_disconnected
from .repository import ModelRepository

__all__ = ["create_app", "DEFAULT_MAX_REQUEST_BYTES", "DEFAULT_MAX_RESPONSE_BYTES",
           "DEFAULT_REQUEST_TIMEOUT"]

DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
DEFAULT_REQUEST_TIMEOUT = 60.0
EXTENSIONS = ["binary_tensor_data", "model_repository", "statistics", "model_configuration"]
_INFER_PATH = re.compile(r"/v2/models/([^/]+)(?:/versions/([^/]+))?/infer")
_JSON = (b"content-type", b"application/json")
log = logging.getLogger("hybrid.runtime.server")
access_log = logging.getLogger("hybrid.runtime.access")


class _Handlers:
    def __init__(self, repository: ModelRepository, max_request_bytes: int, control: Control,
                 timeout: float) -> None:
        self.repo = repository
        self.limit = max_request_bytes
        self.control = control
        self.timeout = timeout
        self.ready = False

    async def live(self, request: Request) -> Response:
        return JSONResponse({"live": True})

    async def ready_(self, request: Request) -> Response:
        if not self.ready:
            return _error(503, "server is not ready")
        return JSONResponse({"ready": True})

    async def server_metadata(self, request: Request) -> Response:
        return JSONResponse({"name": "hybrid", "version": _version(), "extensions": EXTENSIONS})

    async def model_metadata(self, request: Request) -> Response:
        name, version = _names(request)
        sig = self.repo.get(name, version).signature
        model = self.repo.model(name)
        versions = [version] if version else [str(v) for v in sorted(model.versions)]
        return JSONResponse(protocol.model_metadata(sig, versions))

    async def model_ready(self, request: Request) -> Response:
        name, version = _names(request)
        self.repo.get(name, version)
        return JSONResponse({"name": name, "ready": True})

    async def model_config(self, request: Request) -> Response:
        name, version = _names(request)
        self.repo.get(name, version)
        return JSONResponse({"name": name, **self.repo.model(name).config.to_dict()})

    async def model_stats(self, request: Request) -> Response:
        name, version = _names(request)
        if name is None:
            versions = self.repo.ready_versions()
        elif version:
            versions = [self.repo.get(name, version)]
        else:
            self.repo.get(name)
            versions = [v for _, v in sorted(self.repo.model(name).versions.items())]
        return JSONResponse({"model_stats": [v.stats.to_kserve() for v in versions]})

    async def repository_index(self, request: Request) -> Response:
        doc = protocol.parse_json(await self._body(request), "repository index")
        ready = doc.get("ready", False)
        if not isinstance(ready, bool):
            raise InvalidInputError(f"'ready' must be true or false, got {ready!r}")
        rows = self.repo.index(ready_only=ready)
        for row in rows:
            row["reason"] = self.repo.scrub(row["reason"])
        return JSONResponse(rows)

    async def load(self, request: Request) -> Response:
        self.control.check(request.headers.get("authorization"))
        body = await self._body(request)
        doc = await maybe_offload(len(body), protocol.parse_json, body, "load")
        params = doc.get("parameters") or {}
        if not isinstance(params, dict):
            raise InvalidInputError("load request 'parameters' must be an object")
        if any(k.startswith("file:") for k in params):
            raise InvalidInputError("loading model files sent in the request is not supported")
        config = params.get("config")
        if config is not None and not isinstance(config, dict):
            config = protocol.parse_json(str(config).encode(), "load parameter 'config'")
        name = request.path_params["model"]
        try:
            model = await run_in_threadpool(self.repo.load, name, config)
        except ModelLoadError as err:
            log.warning("%s", err)
            raise
        log.info("loaded %s", model.describe())
        return JSONResponse({})

    async def unload(self, request: Request) -> Response:
        self.control.check(request.headers.get("authorization"))
        protocol.parse_json(await self._body(request), "unload")
        name = request.path_params["model"]
        await run_in_threadpool(self.repo.unload, name)
        log.info("unloaded model '%s'", name)
        return JSONResponse({})

    async def metrics(self, request: Request) -> Response:
        return Response(render_prometheus(self.repo.all_stats()),
                        media_type="text/plain; version=0.0.4; charset=utf-8")

    async def _body(self, request: Request) -> bytes:
        try:
            async with asyncio.timeout(self.timeout):
                return await read_body(request.receive, request.headers.get("content-length"),
                                        request.headers.get("content-encoding"), self.limit)
        except TimeoutError:
            raise slow_client(self.timeout) from None


def create_app(repository: ModelRepository, max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
               access_log: bool = True, *, max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
               request_timeout: float = DEFAULT_REQUEST_TIMEOUT, control: Control | None = None,
               poll_seconds: float = 15.0, close_timeout: float | None = None) -> Starlette:
    """Build the ASGI application serving ``repository`` (whose models should be loaded).

    Parameters
    ----------
    repository : ModelRepository
        The models to serve; the app closes it (draining queued requests) at shutdown.
    max_request_bytes : int
        Larger request bodies, before or after decompression, are refused with 413.
    access_log : bool
        Log one line per request to the ``hybrid.runtime.access`` logger.
    max_response_bytes : int
        Larger responses are refused with 400 (see Note [Request limits]).
    request_timeout : float
        Seconds a request may take from its headers to its answer (Note [Request limits]).
    control : Control, optional
        Who may load and unload models (Note [Model control modes]); by default nobody.
    poll_seconds : float
        How often the repository is rescanned in ``poll`` mode.
    close_timeout : float, optional
        At shutdown, how long to wait for each model's running executions.
    """
    control = control or Control()
    h = _Handlers(repository, max_request_bytes, control, request_timeout)
    poller = Poller(repository, poll_seconds) if control.mode == "poll" else None
    model, version = "/v2/models/{model}", "/v2/models/{model}/versions/{version}"
    routes = [
        Route("/v2/health/live", h.live), Route("/v2/health/ready", h.ready_),
        Route("/v2", h.server_metadata), Route("/v2/models/stats", h.model_stats),
        Route("/metrics", h.metrics),
        Route("/v2/repository/index", h.repository_index, methods=["POST"]),
        Route("/v2/repository/models/{model}/load", h.load, methods=["POST"]),
        Route("/v2/repository/models/{model}/unload", h.unload, methods=["POST"]),
    ]
    for base in (model, version):
        routes += [Route(base, h.model_metadata), Route(base + "/ready", h.model_ready),
                   Route(base + "/config", h.model_config), Route(base + "/stats", h.model_stats)]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        h.ready = True
        if poller is not None:
            poller.start()
        try:
            yield
        finally:
            h.ready = False
            if poller is not None:
                await run_in_threadpool(poller.stop)
            await run_in_threadpool(repository.close, close_timeout)

    handlers = {InferenceError: _inference_error, HTTPException: _http_error,
                Exception: _unexpected_error}
    starlette = Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)
    starlette.state.scrub = repository.scrub
    app = _InferRoute(starlette, repository, max_request_bytes, max_response_bytes, request_timeout)
    return _AccessLog(app) if access_log else app


class _InferRoute:
    """``POST /v2/models/{m}[/versions/{v}]/infer`` as plain ASGI, in front of Starlette.

    See Note [The infer fast path] and Note [Request limits]; every other request goes on to
    ``app``.
    """

    def __init__(self, app: Any, repository: ModelRepository, max_request_bytes: int,
                 max_response_bytes: int, timeout: float) -> None:
        self.app, self.repo, self.limit = app, repository, max_request_bytes
        self.response_limit, self.timeout = max_response_bytes, timeout

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        match = _INFER_PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST":
            answer = await self._infer(scope, receive, *match.groups())
            if answer is None:  # the client left: nobody to answer
                return
            status, body, headers = answer
        else:
            status, headers = 405, [_JSON, (b"allow", b"POST")]
            body = protocol.error_body(f"Method Not Allowed: {scope['method']} {scope['path']}")
        headers.append((b"content-length", b"%d" % len(body)))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _infer(self, scope: dict, receive: Any, name: str, version: str | None
                     ) -> tuple[int, bytes, list[tuple[bytes, bytes]]] | None:
        """Answer one inference request: ``(status, body, headers)``, or None when the client
        disconnected before its answer was ready."""
        start = time.perf_counter_ns()
        target, body = None, None
        try:
            async with asyncio.timeout(self.timeout):
                target = self.repo.get(name, version)
                headers = dict(scope["headers"])
                body = await read_body(receive, headers.get(b"content-length"),
                                        headers.get(b"content-encoding"), self.limit)
                header_length = headers.get(b"inference-header-content-length")
                if header_length is not None:
                    header_length = header_length.decode("latin-1")
                for attempt in range(3):  # a reload may replace the version under us
                    try:
                        answer = await self._run(scope, receive, target, body, header_length)
                        break
                    except SchedulerClosedError:
                        if attempt == 2:
                            raise
                        target = self.repo.get(name, version)
        except Exception as err:
            if isinstance(err, TimeoutError):
                err = slow_client(self.timeout) if body is None else ServerBusyError(
                    f"the request did not finish within the server's request timeout of "
                    f"{self.timeout:g} s")
            elif not isinstance(err, InferenceError):
                log.exception("internal error on POST %s", scope["path"])
                err = InferenceError("internal server error (see the server's log)")
            if target is not None:
                target.stats.record_request(False, time.perf_counter_ns() - start, err.status)
            headers = [_JSON]
            if isinstance(err, ServerBusyError):
                headers.append((b"retry-after", str(err.retry_after).encode()))
            return err.status, protocol.error_body(self.repo.scrub(str(err))), headers
        if answer is None:
            target.stats.record_request(False, time.perf_counter_ns() - start, 499)
            return None
        payload, json_size = answer
        target.stats.record_request(True, time.perf_counter_ns() - start)
        if json_size is None:
            return 200, payload, [_JSON]
        return 200, payload, [(b"content-type", b"application/octet-stream"),
                              (b"inference-header-content-length", b"%d" % json_size)]

    async def _run(self, scope: dict, receive: Any, target: Any, body: bytes,
                   header_length: str | None) -> tuple[bytes, int | None] | None:
        req = await maybe_offload(len(body), protocol.parse_infer_request, body, header_length,
                                   target.signature)
        scope["hybrid.request_id"] = req.id
        results = await unless_disconnected(target.scheduler.submit_async(req.inputs), receive)
        if results is None:
            return None
        return await maybe_offload(len(body), protocol.encode_infer_response, target.signature,
                                    req, results, self.response_limit)


class _AccessLog:
    """One log line per request: client, method, path, status, duration, and the request id.

    The line is formatted once, and only when the ``hybrid.runtime.access`` logger is enabled.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def send_and_note(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                host, port = scope.get("client") or ("-", 0)
                request_id = scope.get("hybrid.request_id")
                access_log.info(f'{host}:{port} "{scope["method"]} {_printable(scope["path"])}" '
                                f'{status} {(time.perf_counter() - start) * 1e3:.2f}ms'
                                + ("" if request_id is None else f" id={_printable(request_id)}"))


def _printable(text: str) -> str:
    """``text`` itself, or its escaped repr when it holds newlines or other control characters
    (a client's path or request id must not be able to forge log lines)."""
    return text if text.isprintable() else repr(text)


def _names(request: Request) -> tuple[str | None, str | None]:
    return request.path_params.get("model"), request.path_params.get("version")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(protocol.error_body(message), status, headers, "application/json")


async def _inference_error(request: Request, err: InferenceError) -> Response:
    headers = {"Retry-After": str(err.retry_after)} if isinstance(err, ServerBusyError) else None
    if err.status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    return _error(err.status, request.app.state.scrub(str(err)), headers)


async def _http_error(request: Request, err: HTTPException) -> Response:
    return _error(err.status_code, f"{err.detail}: {request.method} {request.url.path}")


async def _unexpected_error(request: Request, err: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return _error(500, "internal server error (see the server's log)")


def _version() -> str:
    try:
        return metadata.version("hybrid")
    except metadata.PackageNotFoundError:
        return "0+unknown"
