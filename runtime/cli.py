"""``hybrid-serve``: serve a model repository over the KServe v2 HTTP protocol."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence

from .config import DEFAULT_MAX_QUEUE_SIZE
from .errors import ModelLoadError
from .repository import ModelRepository

__all__ = ["main", "build_parser"]

log = logging.getLogger("hybrid.runtime")


def build_parser() -> argparse.ArgumentParser:
    """The ``hybrid-serve`` argument parser; every option is documented in ``--help``."""
    parser = argparse.ArgumentParser(
        prog="hybrid-serve",
        description="Serve ONNX models with ONNX Runtime over the KServe v2 / Open Inference "
                    "Protocol (HTTP). The repository holds DIR/<model>/<version>/model.onnx and "
                    "an optional DIR/<model>/config.json (max_batch_size, dynamic_batching, "
                    "max_queue_size, instance_count, intra_op_threads, inter_op_threads, "
                    "version_policy).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model-repository", required=True, metavar="DIR",
                        help="model repository directory; every model in it is loaded at start")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (loopback by default; use 0.0.0.0 to expose)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port to listen on")
    parser.add_argument("--max-request-bytes", type=int, default=64 * 1024 * 1024, metavar="N",
                        help="largest request body accepted, before and after decompression; "
                             "larger ones get 413")
    parser.add_argument("--max-queue-size", type=int, default=DEFAULT_MAX_QUEUE_SIZE,
                        metavar="N", help="requests that may wait per model version when its "
                        "config.json sets no max_queue_size; more get 503 with Retry-After")
    parser.add_argument("--providers", default=None, metavar="LIST",
                        help="comma-separated ONNX Runtime execution providers, in order of "
                             "preference (default: CPUExecutionProvider)")
    parser.add_argument("--drain-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="on SIGTERM or SIGINT, how long requests in flight may take to "
                             "finish before they are cancelled")
    parser.add_argument("--no-access-log", dest="access_log", action="store_false",
                        help="do not log one line per request")
    parser.add_argument("--log-level", default="info",
                        choices=["debug", "info", "warning", "error"], help="logging level")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until SIGTERM or SIGINT; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Imported here so that `hybrid-serve --help` works, and fails clearly, without the extra.
    try:
        import uvicorn

        from .server import create_app
    except ImportError as err:
        log.error("hybrid-serve needs the serve extra (pip install 'hybrid[serve]'): %s", err)
        return 2
    providers = args.providers.split(",") if args.providers else None
    try:
        repository = ModelRepository(args.model_repository, args.max_queue_size, providers)
    except ModelLoadError as err:
        log.error("%s", err)
        return 2
    for model in repository.load_all():
        (log.info if model.versions else log.warning)("%s", model.describe())
    app = create_app(repository, args.max_request_bytes, access_log=args.access_log)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_config=None,
                            access_log=False, lifespan="on",
                            timeout_graceful_shutdown=args.drain_timeout)
    _run_until_signal(uvicorn.Server(config))
    return 0


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
