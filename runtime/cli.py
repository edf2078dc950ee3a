"""``hybrid-serve``: serve a model repository over the KServe v2 HTTP protocol."""
from __future__ import annotations

import argparse
import io
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence

from .config import BOUNDS, DEFAULT_MAX_QUEUE_SIZE
from .control import MODES, TOKEN_ENV, Control, read_token
from .errors import ModelLoadError
from .repository import ModelRepository

__all__ = ["main", "build_parser"]

log = logging.getLogger("hybrid.runtime")


_EPILOG = """\
endpoints (KServe v2 / Open Inference Protocol, HTTP/JSON plus binary tensor data):
  GET  /v2/health/live, /v2/health/ready, /v2
  GET  /v2/models/{m}[/versions/{v}][/ready|/config|/stats], /v2/models/stats
  POST /v2/models/{m}[/versions/{v}]/infer
  POST /v2/repository/index, /v2/repository/models/{m}/load, .../unload
  GET  /metrics (Prometheus)

config.json (every key optional, unknown keys refused; bounds inclusive):
  max_batch_size                0..65536 (0: no batching); batching needs every input and
                                output to have the batch as dim 0 (proved by ONNX shape
                                inference at load, otherwise the model serves unbatched)
  dynamic_batching              {"preferred_batch_size": [up to 16 sizes <= max_batch_size],
                                 "max_queue_delay_microseconds": 0..10000000}
  max_queue_size                1..1000000 (default: --max-queue-size)
  instance_count                1..16
  intra_op_threads              1..64 (default: ONNX Runtime's)
  inter_op_threads              1..64
  version_policy                {"latest": {"num_versions": 1..1000}} (default n=1),
                                {"all": {}} or {"specific": {"versions": [1..1000, ...]}}
  example: {"max_batch_size": 64, "dynamic_batching": {"max_queue_delay_microseconds": 1000}}

model control (--model-control-mode):
  none      the models loaded at start are served; load/unload answer 403 (default)
  explicit  load/unload allowed; with a token (env HYBRID_SERVE_CONTROL_TOKEN or
            --control-token-file) they need "Authorization: Bearer <token>", else 401
  poll      the repository is rescanned every --repository-poll-secs; load/unload answer 403
  A reload that fails keeps the previous versions serving.

limits: request bodies (--max-request-bytes, also after gzip/deflate), responses
  (--max-response-bytes), the JSON of a request apart from numeric "data" arrays (4 MiB),
  request ids (256 characters), shapes (32 dims), config.json (1 MiB).
  JSON carries finite numbers only: outputs with NaN or infinity must be asked for as binary
  data ("parameters": {"binary_data": true}), else the request gets 400.
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``hybrid-serve`` argument parser; every option is documented in ``--help``."""
    parser = argparse.ArgumentParser(
        prog="hybrid-serve",
        description="Serve ONNX models with ONNX Runtime over the KServe v2 / Open Inference\n"
                    "Protocol. The repository holds DIR/<model>/<version>/model.onnx and an\n"
                    "optional DIR/<model>/config.json.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-repository", required=True, metavar="DIR",
                        help="model repository directory (required); every model in it is loaded "
                             "at start")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: %(default)s, loopback only)")
    parser.add_argument("--port", type=_count(0, 65535), default=8000,
                        help="TCP port to listen on (default: %(default)s)")
    parser.add_argument("--max-request-bytes", type=_count(1), default=64 * 1024 * 1024,
                        metavar="N",
                        help="largest request body accepted, before and after decompression; "
                             "larger ones get 413 (default: %(default)s)")
    parser.add_argument("--max-queue-size", type=_count(*BOUNDS["max_queue_size"]),
                        default=DEFAULT_MAX_QUEUE_SIZE,
                        metavar="N", help="requests that may wait per model version when its "
                        "config.json sets no max_queue_size; more get 503 with Retry-After "
                        "(default: %(default)s)")
    parser.add_argument("--providers", default=None, metavar="LIST",
                        help="comma-separated ONNX Runtime execution providers, in order of "
                             "preference (default: CPUExecutionProvider)")
    parser.add_argument("--max-response-bytes", type=_count(1), default=64 * 1024 * 1024,
                        metavar="N", help="largest response body sent; requests whose answer "
                        "would be larger get 400 (default: %(default)s)")
    parser.add_argument("--request-timeout", type=_seconds, default=60.0, metavar="SECONDS",
                        help="time from a request's headers to its answer: a body not received "
                             "by then gets 408, an answer not ready by then 503 "
                             "(default: %(default)s)")
    parser.add_argument("--drain-timeout", type=_seconds, default=10.0, metavar="SECONDS",
                        help="on SIGTERM or SIGINT, how long requests in flight may take to "
                             "finish before they are cancelled; the process exits at most 4 s "
                             "later whatever clients do (default: %(default)s)")
    parser.add_argument("--model-control-mode", choices=MODES, default="none",
                        help="whether models may be loaded and unloaded while serving (see "
                             "below) (default: %(default)s)")
    parser.add_argument("--control-token-file", metavar="FILE",
                        help=f"file whose first line is the bearer token the load and unload "
                             f"endpoints require (default: ${TOKEN_ENV} if set, else no token)")
    parser.add_argument("--repository-poll-secs", type=_seconds, default=15.0,
                        metavar="SECONDS", help="how often poll mode rescans the repository "
                        "(default: %(default)s)")
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"],
                        help="uvicorn's HTTP/1.1 parser; auto picks httptools when installed "
                             "(the serve extra's uvicorn[standard]) (default: %(default)s)")
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"],
                        help="the event loop; auto picks uvloop when installed "
                             "(default: %(default)s)")
    parser.add_argument("--no-access-log", dest="access_log", action="store_false",
                        help="do not log one line per request (client, method, path, status, "
                             "duration, request id) (default: log them)")
    parser.add_argument("--log-level", default="info",
                        choices=["debug", "info", "warning", "error"],
                        help="logging level (default: %(default)s)")
    return parser


def _count(low: int, high: int | None = None):
    """An argparse type: an integer in ``[low, high]``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"expected an integer {bound}, got {text!r}")
        return value
    return parse


def _seconds(text: str) -> float:
    """An argparse type: a number of seconds, above 0 and at most a day."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 86400, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until SIGTERM or SIGINT; returns the process exit code."""
    args = build_parser().parse_args(argv)
    handler = _BlockWrites()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=args.log_level.upper(), handlers=[handler])
    # The access log writes a line per request: skip the record fields the format never shows
    # (the logging HOWTO's "Optimization" settings; finding the caller's frame is the dearest).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    # Imported here so that `hybrid-serve --help` works, and fails clearly, without the extra.
    try:
        import uvicorn

        from .server import create_app
    except ImportError as err:
        log.error("hybrid-serve needs the serve extra (pip install 'hybrid[serve]'): %s", err)
        return 2
    try:
        control = Control(args.model_control_mode, read_token(args.control_token_file))
    except OSError as err:
        log.error("cannot read --control-token-file: %s", err)
        return 2
    providers = args.providers.split(",") if args.providers else None
    try:
        repository = ModelRepository(args.model_repository, args.max_queue_size, providers)
    except ModelLoadError as err:
        log.error("%s", err)
        return 2
    for model in repository.load_all():
        (log.info if model.versions else log.warning)("%s", model.describe())
    app = create_app(repository, args.max_request_bytes, access_log=args.access_log,
                     max_response_bytes=args.max_response_bytes,
                     request_timeout=args.request_timeout, control=control,
                     poll_seconds=args.repository_poll_secs, close_timeout=1.0)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_config=None,
                            access_log=False, lifespan="on", http=args.http, loop=args.loop,
                            proxy_headers=False,  # nothing reads forwarded client addresses
                            timeout_graceful_shutdown=args.drain_timeout)
    _run_until_signal(_deadline_server(uvicorn.Server, args.drain_timeout + 4.0)(config))
    return 0


def _deadline_server(base: type, grace: float) -> type:
    """uvicorn's Server, plus a watchdog: ``grace`` seconds after the first SIGTERM or SIGINT
    the process exits even if a client, a model or a thread still holds it (exit status 0,
    as after a clean drain: the server was asked to stop and did)."""
    class DeadlineServer(base):
        _watchdog = None

        def handle_exit(self, sig, frame):
            if self._watchdog is None:
                self._watchdog = threading.Timer(grace, _force_exit, args=(grace,))
                self._watchdog.daemon = True
                self._watchdog.start()
            super().handle_exit(sig, frame)
    return DeadlineServer


def _force_exit(grace: float) -> None:
    log.warning("still running %.0f s after the stop signal: exiting now", grace)
    logging.shutdown()
    os._exit(0)


class _BlockWrites(logging.StreamHandler):
    """Log to stderr in blocks: a timer flushes every ``interval`` seconds, not every line.

    A write per access-log line would be a system call per request on the event loop's thread,
    and each one lets the model's worker thread take the GIL; block writes keep the access log
    cheap. Warnings and errors, and everything at exit (``logging.shutdown``), are flushed at once.
    """

    def __init__(self, interval: float = 0.1) -> None:
        raw = io.BufferedWriter(io.FileIO(sys.stderr.fileno(), "w", closefd=False), 1 << 16)
        super().__init__(io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace"))
        self._interval = interval
        threading.Thread(target=self._flush_often, name="log flush", daemon=True).start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + self.terminator)
        except Exception:  # the logging module's convention: report, never raise
            self.handleError(record)
        if record.levelno >= logging.WARNING:
            self.flush()

    def _flush_often(self) -> None:
        while True:
            time.sleep(self._interval)
            self.flush()


def _run_until_signal(server) -> None:
    """Run uvicorn; after a graceful drain on SIGTERM or SIGINT, return instead of dying."""
    # NOTE: uvicorn re-raises the signal it caught once it has drained, so the process would end
    # by that signal (or a KeyboardInterrupt traceback). The handlers below absorb the re-raise:
    # a completed drain is a clean exit with status 0.
    caught: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, frame: caught.append(number))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        log.info("stopped by %s after draining requests in flight",
                 signal.Signals(caught[0]).name)
