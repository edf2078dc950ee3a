"""The HTTP adapter: KServe v2 endpoints on Starlette, delegating to the protocol and repository.

Handlers only read the request, call :mod:`~hybrid.runtime.protocol` and
:class:`~hybrid.runtime.repository.ModelRepository`, and write what those return; every error
is an :class:`~hybrid.runtime.errors.InferenceError` turned into ``{"error": ...}`` here.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from importlib import metadata
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import protocol
from .errors import (
    InferenceError,
    InvalidInputError,
    ModelLoadError,
    PayloadTooLargeError,
    ServerBusyError,
)
from .metrics import render_prometheus
from .repository import ModelRepository

__all__ = ["create_app", "DEFAULT_MAX_REQUEST_BYTES"]

DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024
EXTENSIONS = ["binary_tensor_data", "model_repository", "statistics", "model_configuration"]
# Bodies above this are parsed and encoded on a worker thread, so the event loop keeps serving.
_OFFLOAD_BYTES = 1 << 20
log = logging.getLogger("hybrid.runtime.server")
access_log = logging.getLogger("hybrid.runtime.access")


class _Handlers:
    def __init__(self, repository: ModelRepository, max_request_bytes: int) -> None:
        self.repo = repository
        self.limit = max_request_bytes
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

    async def infer(self, request: Request) -> Response:
        start = time.perf_counter_ns()
        target = self.repo.get(*_names(request))
        try:
            body = await self._body(request)
            header_length = request.headers.get("inference-header-content-length")
            req = await _maybe_offload(len(body), protocol.parse_infer_request, body,
                                       header_length, target.signature)
            results = await asyncio.wrap_future(target.scheduler.submit(req.inputs))
            payload, json_size = await _maybe_offload(len(body), protocol.encode_infer_response,
                                                      target.signature, req, results)
        except Exception as err:
            target.stats.record_request(False, time.perf_counter_ns() - start,
                                        getattr(err, "status", 500))
            raise
        target.stats.record_request(True, time.perf_counter_ns() - start)
        if json_size is None:
            return Response(payload, media_type="application/json")
        return Response(payload, media_type="application/octet-stream",
                        headers={"Inference-Header-Content-Length": str(json_size)})

    async def repository_index(self, request: Request) -> Response:
        doc = protocol.parse_json(await self._body(request), "repository index")
        ready = doc.get("ready", False)
        if not isinstance(ready, bool):
            raise InvalidInputError(f"'ready' must be true or false, got {ready!r}")
        return JSONResponse(self.repo.index(ready_only=ready))

    async def load(self, request: Request) -> Response:
        params = protocol.parse_json(await self._body(request), "load").get("parameters") or {}
        if not isinstance(params, dict):
            raise InvalidInputError("load request 'parameters' must be an object")
        if any(k.startswith("file:") for k in params):
            raise InvalidInputError("loading model files sent in the request is not supported")
        config = params.get("config")
        if config is not None:
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
        protocol.parse_json(await self._body(request), "unload")
        name = request.path_params["model"]
        await run_in_threadpool(self.repo.unload, name)
        log.info("unloaded model '%s'", name)
        return JSONResponse({})

    async def metrics(self, request: Request) -> Response:
        return Response(render_prometheus(self.repo.all_stats()),
                        media_type="text/plain; version=0.0.4; charset=utf-8")

    async def _body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            raise PayloadTooLargeError(f"request body of {declared} bytes exceeds the limit of "
                                       f"{self.limit} bytes")
        chunks, size = [], 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > self.limit:
                    raise PayloadTooLargeError(f"request body exceeds the limit of {self.limit} "
                                               "bytes")
                chunks.append(chunk)
        except ClientDisconnect as err:
            raise InvalidInputError("client disconnected before sending the whole body") from err
        body = b"".join(chunks)
        return protocol.decode_content(body, request.headers.get("content-encoding"), self.limit)


def create_app(repository: ModelRepository, max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
               access_log: bool = True) -> Starlette:
    """Build the ASGI application serving ``repository`` (whose models should be loaded).

    Parameters
    ----------
    repository : ModelRepository
        The models to serve; the app closes it (draining queued requests) at shutdown.
    max_request_bytes : int
        Larger request bodies, before or after decompression, are refused with 413.
    access_log : bool
        Log one line per request to the ``hybrid.runtime.access`` logger.
    """
    h = _Handlers(repository, max_request_bytes)
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
                   Route(base + "/config", h.model_config), Route(base + "/stats", h.model_stats),
                   Route(base + "/infer", h.infer, methods=["POST"])]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        h.ready = True
        try:
            yield
        finally:
            h.ready = False
            await run_in_threadpool(repository.close)

    handlers = {InferenceError: _inference_error, HTTPException: _http_error,
                Exception: _unexpected_error}
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers,
                     middleware=[Middleware(_AccessLog)] if access_log else [])


class _AccessLog:
    """One log line per request: client, method, path, status and duration."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), [500]

        async def send_and_note(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            host, port = scope.get("client") or ("-", 0)
            access_log.info('%s:%s "%s %s" %d %.2fms', host, port, scope["method"],
                            scope["path"], status[0], (time.perf_counter() - start) * 1e3)


def _names(request: Request) -> tuple[str | None, str | None]:
    return request.path_params.get("model"), request.path_params.get("version")


async def _maybe_offload(size: int, fn: Any, *args: Any) -> Any:
    return await run_in_threadpool(fn, *args) if size > _OFFLOAD_BYTES else fn(*args)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(protocol.error_body(message), status, headers, "application/json")


async def _inference_error(request: Request, err: InferenceError) -> Response:
    headers = {"Retry-After": str(err.retry_after)} if isinstance(err, ServerBusyError) else None
    return _error(err.status, str(err), headers)


async def _http_error(request: Request, err: HTTPException) -> Response:
    return _error(err.status_code, f"{err.detail}: {request.method} {request.url.path}")


async def _unexpected_error(request: Request, err: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return _error(500, f"internal server error: {type(err).__name__}: {err}")


def _version() -> str:
    try:
        return metadata.version("hybrid")
    except metadata.PackageNotFoundError:
        return "0+unknown"
