"""Devices. hybrid computes on numpy, so the only device with a backend is the CPU."""

from __future__ import annotations

from .base import HybridError, classproperty

__all__ = [
    "Context", "cpu", "gpu", "cpu_pinned", "current_context", "num_gpus", "gpu_memory_info",
    "get_cuda_compute_capability",
]


class Context:
    """A device: ``Context('cpu', 0)``. ``gpu(i)`` is accepted but has no backend here.

    Used as ``with mx.cpu(): ...`` it becomes the default context, as in MXNet.
    """

    _stack: list[Context] = []
    _default: Context  # set below; test_utils.set_default_context changes it
    devtype2str = {1: "cpu", 2: "gpu", 3: "cpu_pinned", 5: "cpu_shared"}
    devstr2type = {v: k for k, v in devtype2str.items()}

    def __init__(self, device_type: str | Context = "cpu", device_id: int = 0):
        if isinstance(device_type, Context):
            device_type, device_id = device_type.device_type, device_type.device_id
        if device_type not in ("cpu", "gpu", "cpu_pinned", "cpu_shared"):
            raise HybridError(f"Context: unknown device type {device_type!r}")
        self.device_type = device_type
        self.device_id = int(device_id)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Context)
            and self.device_type == other.device_type
            and self.device_id == other.device_id
        )

    def __hash__(self) -> int:
        return hash((self.device_type, self.device_id))

    def __repr__(self) -> str:
        return f"{self.device_type}({self.device_id})"

    def __enter__(self) -> Context:
        Context._stack.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        Context._stack.pop()

    @property
    def device_typeid(self) -> int:
        return self.devstr2type[self.device_type]

    @classproperty
    def default_ctx(cls) -> Context:  # noqa: N805 - a class property
        """The context arrays are made on when none is given (MXNet's ``Context.default_ctx``)."""
        return current_context()

    def empty_cache(self) -> None:
        """Release cached device memory: nothing to release for numpy buffers."""

    def check_backend(self) -> None:
        """Raise unless arrays can live on this device."""
        if self.device_type == "gpu":
            raise HybridError(f"{self}: hybrid runs on numpy and has no GPU backend; use mx.cpu()")


def cpu(device_id: int = 0) -> Context:
    return Context("cpu", device_id)


def cpu_pinned(device_id: int = 0) -> Context:
    return Context("cpu_pinned", device_id)


def gpu(device_id: int = 0) -> Context:
    return Context("gpu", device_id)


def num_gpus() -> int:
    return 0


def current_context() -> Context:
    return Context._stack[-1] if Context._stack else Context._default


Context._default = Context("cpu", 0)


def gpu_memory_info(device_id: int = 0) -> tuple[int, int]:
    """(free, total) bytes of a GPU: there is none, so this raises as MXNet does without one."""
    raise HybridError(f"gpu_memory_info(gpu({device_id})): hybrid runs on numpy and has no GPU")


def get_cuda_compute_capability(ctx: Context) -> int:
    """The CUDA compute capability of a GPU context (70 for ``sm_70``). A CPU context is a
    ValueError, as in MXNet; there is no GPU to ask here."""
    if ctx.device_type != "gpu":
        raise ValueError("Expecting a gpu context to get cuda compute capability, "
                         f"while received ctx {ctx}")
    raise HybridError(f"get_cuda_compute_capability({ctx}): hybrid runs on numpy and has no GPU")
