"""Learning-rate schedules with MXNet 1.9's names and semantics (``hybrid.lr_scheduler``).

A scheduler is called with the optimizer's update count, ``scheduler(num_update) -> lr``. During the
first ``warmup_steps`` updates every scheduler returns the warm-up rate: linear from
``warmup_begin_lr`` to ``base_lr``, or constant ``warmup_begin_lr``.
"""

from __future__ import annotations

from math import cos, pi

from .base import HybridError

__all__ = [
    "LRScheduler",
    "FactorScheduler",
    "MultiFactorScheduler",
    "PolyScheduler",
    "CosineScheduler",
]


class LRScheduler:
    """Base class of learning-rate schedules.

    Parameters
    ----------
    base_lr : float
        The rate after warm-up (the optimizer's ``learning_rate`` overrides it when both are set).
    warmup_steps : int
        Number of warm-up updates.
    warmup_begin_lr : float
        The rate at update 0 of the warm-up.
    warmup_mode : {'linear', 'constant'}
    """

    def __init__(
        self,
        base_lr: float = 0.01,
        warmup_steps: int = 0,
        warmup_begin_lr: float = 0,
        warmup_mode: str = "linear",
    ):
        name = type(self).__name__
        if not isinstance(warmup_steps, int) or warmup_steps < 0:
            raise HybridError(f"{name}: warmup_steps must be an int >= 0, got {warmup_steps!r}")
        if warmup_begin_lr > base_lr:
            raise HybridError(
                f"{name}: base_lr ({base_lr}) has to be higher than warmup_begin_lr "
                f"({warmup_begin_lr})"
            )
        if warmup_mode not in ("linear", "constant"):
            raise HybridError(
                f"{name}: warmup_mode must be 'linear' or 'constant', got {warmup_mode!r}"
            )
        self.base_lr = base_lr
        self.warmup_steps = warmup_steps
        self.warmup_final_lr = base_lr
        self.warmup_begin_lr = warmup_begin_lr
        self.warmup_mode = warmup_mode

    def get_warmup_lr(self, num_update: int) -> float:
        """The warm-up rate at ``num_update < warmup_steps``."""
        if self.warmup_mode == "constant":
            return self.warmup_begin_lr
        increase = (self.warmup_final_lr - self.warmup_begin_lr) * num_update / self.warmup_steps
        return self.warmup_begin_lr + increase

    def __call__(self, num_update: int) -> float:
        raise NotImplementedError(f"{type(self).__name__} must define __call__")


def _check_factor(name: str, factor: float) -> None:
    if factor > 1.0:
        raise HybridError(
            f"{name}: factor must be at most 1 so that the rate decreases, got {factor}"
        )


class FactorScheduler(LRScheduler):
    """Multiply the rate by ``factor`` every ``step`` updates, never going below
    ``stop_factor_lr``: ``lr = base_lr * factor ** floor((num_update - 1) / step)``.
    """

    def __init__(
        self,
        step: int,
        factor: float = 1,
        stop_factor_lr: float = 1e-8,
        base_lr: float = 0.01,
        warmup_steps: int = 0,
        warmup_begin_lr: float = 0,
        warmup_mode: str = "linear",
    ):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if step < 1:
            raise HybridError(f"FactorScheduler: step must be >= 1, got {step}")
        _check_factor("FactorScheduler", factor)
        self.step = step
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.count = 0

    def __call__(self, num_update: int) -> float:
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        # NOTE: the schedule is stateful, as in MXNet: base_lr decays as num_update passes each
        # multiple of step, and calls with a smaller num_update do not undo it.
        while num_update > self.count + self.step:
            self.count += self.step
            self.base_lr = max(self.base_lr * self.factor, self.stop_factor_lr)
        return self.base_lr


class MultiFactorScheduler(LRScheduler):
    """Multiply the rate by ``factor`` once num_update passes each entry of the increasing list
    ``step``.
    """

    def __init__(
        self,
        step: list[int],
        factor: float = 1,
        base_lr: float = 0.01,
        warmup_steps: int = 0,
        warmup_begin_lr: float = 0,
        warmup_mode: str = "linear",
    ):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if not isinstance(step, list) or not step:
            raise HybridError(f"MultiFactorScheduler: step must be a non-empty list, got {step!r}")
        if any(s < 1 for s in step) or any(b <= a for a, b in zip(step, step[1:])):
            raise HybridError(
                f"MultiFactorScheduler: step must be an increasing list of ints >= 1, got {step}"
            )
        _check_factor("MultiFactorScheduler", factor)
        self.step = step
        self.cur_step_ind = 0
        self.factor = factor
        self.count = 0

    def __call__(self, num_update: int) -> float:
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while self.cur_step_ind < len(self.step) and num_update > self.step[self.cur_step_ind]:
            self.count = self.step[self.cur_step_ind]
            self.cur_step_ind += 1
            self.base_lr *= self.factor
        return self.base_lr


def _check_max_update(name: str, max_update: int) -> None:
    if not isinstance(max_update, int) or max_update < 1:
        raise HybridError(f"{name}: max_update must be an int >= 1, got {max_update!r}")


class PolyScheduler(LRScheduler):
    """Polynomial decay to ``final_lr`` at ``max_update``:
    ``lr = final_lr + (base_lr - final_lr) * (1 - (t - warmup_steps) / (max_update -
    warmup_steps)) ** pwr``, and ``final_lr`` after ``max_update``.
    """

    def __init__(
        self,
        max_update: int,
        base_lr: float = 0.01,
        pwr: float = 2,
        final_lr: float = 0,
        warmup_steps: int = 0,
        warmup_begin_lr: float = 0,
        warmup_mode: str = "linear",
    ):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        _check_max_update("PolyScheduler", max_update)
        self.power = pwr
        self.base_lr_orig = self.base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update: int) -> float:
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            progress = (num_update - self.warmup_steps) / self.max_steps
            self.base_lr = self.final_lr + (self.base_lr_orig - self.final_lr) * pow(
                1 - progress, self.power
            )
        return self.base_lr


class CosineScheduler(LRScheduler):
    """Cosine decay to ``final_lr`` at ``max_update``:
    ``lr = final_lr + (base_lr - final_lr) * (1 + cos(pi * (t - warmup_steps) / (max_update -
    warmup_steps))) / 2``, and ``final_lr`` after ``max_update``.
    """

    def __init__(
        self,
        max_update: int,
        base_lr: float = 0.01,
        final_lr: float = 0,
        warmup_steps: int = 0,
        warmup_begin_lr: float = 0,
        warmup_mode: str = "linear",
    ):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        _check_max_update("CosineScheduler", max_update)
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update: int) -> float:
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            progress = (num_update - self.warmup_steps) / self.max_steps
            self.base_lr = (
                self.final_lr + (self.base_lr_orig - self.final_lr) * (1 + cos(pi * progress)) / 2
            )
        return self.base_lr
