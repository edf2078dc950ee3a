"""Errors raised by :mod:`hybrid.runtime`, each carrying the HTTP status the server answers with."""
from __future__ import annotations

from hybrid.base import HybridError

__all__ = [
    "InferenceError",
    "InvalidInputError",
    "ModelNotFoundError",
    "ModelUnavailableError",
    "ModelLoadError",
    "SchedulerClosedError",
    "ExecutionError",
    "PayloadTooLargeError",
    "ResponseTooLargeError",
    "RequestTimeoutError",
    "ForbiddenError",
    "UnauthorizedError",
    "ServerBusyError",
]


class InferenceError(HybridError):
    """Base class of runtime errors; ``status`` is the HTTP status code the server replies with."""

    status = 500


class InvalidInputError(InferenceError, ValueError):
    """A request or an input array that does not fit the model (names, datatypes, shapes, data)."""

    status = 400


class ModelNotFoundError(InferenceError, LookupError):
    """An unknown model, version or output name."""

    status = 404


class ModelUnavailableError(InferenceError):
    """A known model that cannot serve: it failed to load, was unloaded, or is shutting down."""

    status = 400


class SchedulerClosedError(ModelUnavailableError):
    """A model version that stopped taking requests: unloaded, replaced, or its worker died.

    The status is 503: the server, not the request, is the reason; the server retries a request
    refused this way on the version that replaced it, if any.
    """

    status = 503


class ModelLoadError(InferenceError):
    """A model file or configuration that cannot be loaded; the message says why."""

    status = 400


class ExecutionError(InferenceError):
    """ONNX Runtime failed while running a request that passed validation.

    The status is 400, as Triton answers: such failures come from the request's values (an index
    out of range, a reshape that does not fit) far more often than from the server.
    """

    status = 400


class PayloadTooLargeError(InferenceError):
    """A request body larger than the server's configured limit."""

    status = 413


class ResponseTooLargeError(InferenceError):
    """A response larger than the server's limit (``--max-response-bytes``).

    The status is 400: the request asked for more than the server sends in one answer (ask for
    fewer outputs, binary data, or a smaller batch).
    """

    status = 400


class RequestTimeoutError(InferenceError):
    """A client that did not send its request within ``--request-timeout``."""

    status = 408


class UnauthorizedError(InferenceError):
    """A model-control request without the bearer token the server was started with."""

    status = 401


class ForbiddenError(InferenceError):
    """A model-control request the server's ``--model-control-mode`` does not allow."""

    status = 403


class ServerBusyError(InferenceError):
    """A model's queue is full; clients should retry after ``retry_after`` seconds."""

    status = 503

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after
