"""Learning-rate schedules at chosen update counts, against MXNet 1.9's formulas."""

from __future__ import annotations

import math

import pytest

from hybrid import lr_scheduler as lrs
from hybrid.base import HybridError


def test_factor_scheduler_decays_every_step_and_stops_at_floor():
    sched = lrs.FactorScheduler(step=10, factor=0.5, stop_factor_lr=0.2, base_lr=1.0)
    assert [sched(n) for n in (1, 10, 11, 20, 21, 31, 100)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.2, 0.2]


def test_multi_factor_scheduler_decays_after_each_listed_step():
    sched = lrs.MultiFactorScheduler(step=[5, 8], factor=0.1, base_lr=1.0)
    values = [sched(n) for n in (1, 5, 6, 8, 9, 50)]
    assert values == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01])


def test_poly_scheduler_with_linear_warmup():
    sched = lrs.PolyScheduler(max_update=12, base_lr=1.0, pwr=2, final_lr=0.1, warmup_steps=2,
                              warmup_begin_lr=0.5)  # fmt: skip
    assert sched(0) == pytest.approx(0.5)
    assert sched(1) == pytest.approx(0.75)  # halfway from 0.5 to 1.0
    assert sched(2) == pytest.approx(1.0)
    assert sched(7) == pytest.approx(0.1 + 0.9 * (1 - 5 / 10) ** 2)
    assert sched(12) == pytest.approx(0.1)
    assert sched(40) == pytest.approx(0.1)


def test_cosine_scheduler_with_constant_warmup():
    sched = lrs.CosineScheduler(max_update=10, base_lr=2.0, final_lr=0.0, warmup_steps=4,
                                warmup_begin_lr=0.1, warmup_mode="constant")  # fmt: skip
    assert [sched(n) for n in (0, 3)] == [0.1, 0.1]
    assert sched(4) == pytest.approx(2.0)
    assert sched(7) == pytest.approx(2.0 * (1 + math.cos(math.pi * 3 / 6)) / 2)
    assert sched(10) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda: lrs.FactorScheduler(step=0),
        lambda: lrs.FactorScheduler(step=2, factor=1.5),
        lambda: lrs.MultiFactorScheduler(step=[3, 2]),
        lambda: lrs.PolyScheduler(max_update=0),
        lambda: lrs.CosineScheduler(max_update=5, base_lr=0.1, warmup_begin_lr=0.2),
        lambda: lrs.CosineScheduler(max_update=5, warmup_mode="exp"),
    ],
)
def test_invalid_arguments_raise(make):
    with pytest.raises(HybridError):
        make()
