"""gluon.contrib.estimator: fit equals the hand-written training loop it stands for; the default
and given handlers (stopping, metrics, validation, logging, checkpoints and resuming, early
stopping) behave as MXNet 1.9.1's.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest

from hybrid import autograd, gluon, init, metric, nd
from hybrid.base import HybridError
from hybrid.gluon import nn
from hybrid.gluon.contrib.estimator import (
    BatchEnd,
    CheckpointHandler,
    EarlyStoppingHandler,
    Estimator,
    LoggingHandler,
    ValidationHandler,
)

N, FEATURES, CLASSES, BATCH = 24, 5, 3, 8


def _data(seed: int = 0) -> gluon.data.DataLoader:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, FEATURES)).astype(np.float32)
    y = rng.integers(0, CLASSES, N).astype(np.float32)
    return gluon.data.DataLoader(gluon.data.ArrayDataset(x, y), batch_size=BATCH)


def _net() -> nn.HybridSequential:
    net = nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(nn.Dense(7, activation="tanh"), nn.Dense(CLASSES))
    net.initialize(init.Constant(0.05))
    net[0].weight.set_data(nd.array(np.linspace(-1, 1, 7 * FEATURES).reshape(7, FEATURES)))
    return net


def _estimator(net=None, **kwargs) -> Estimator:
    net = net or _net()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    return Estimator(net, gluon.loss.SoftmaxCrossEntropyLoss(), trainer=trainer, **kwargs)


def test_fit_equals_the_training_loop():
    est = _estimator()
    est.logger.setLevel(logging.ERROR)
    est.fit(_data(), epochs=2)
    net = _net()
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    for _ in range(2):
        for x, y in _data():
            with autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(x.shape[0])
    for (name, want), got in zip(net.collect_params().items(), est.net.collect_params().values()):
        np.testing.assert_allclose(
            got.data().asnumpy(), want.data().asnumpy(), rtol=1e-6, err_msg=name
        )


def test_default_metrics_and_evaluate():
    est = _estimator()
    assert [m.name for m in est.train_metrics] == [
        "training accuracy",
        "training softmaxcrossentropyloss",
    ]
    assert [m.name for m in est.val_metrics] == [
        "validation accuracy",
        "validation softmaxcrossentropyloss",
    ]
    est.logger.setLevel(logging.ERROR)
    est.evaluate(_data(1))
    acc = metric.Accuracy()
    for x, y in _data(1):
        acc.update(y, est.net(x))
    assert est.val_metrics[0].get()[1] == pytest.approx(acc.get()[1])


class _CountBatches(BatchEnd):
    def __init__(self):
        self.count = 0

    def batch_end(self, estimator, *args, **kwargs):
        self.count += 1


def test_batches_mode_and_validation_period(capsys):
    est = _estimator()
    counter = _CountBatches()
    evaluations = []
    val = ValidationHandler(
        _data(1), lambda **kw: evaluations.append(kw), epoch_period=None, batch_period=2
    )
    est.fit(
        _data(),
        batches=5,
        event_handlers=[counter, val, LoggingHandler(log_interval=1, metrics=est.train_metrics)],
    )
    assert counter.count == 5 and len(evaluations) == 2
    out = capsys.readouterr().out
    assert "Train for 5 batches." in out and "[Epoch 0][Batch 1][Samples 16]" in out
    with pytest.raises(HybridError, match="exactly one of epochs or batches"):
        est.fit(_data(), epochs=1, batches=1)
    with pytest.raises(HybridError, match="DataLoader"):
        est.fit([(nd.ones((2, 5)), nd.ones(2))], epochs=1)


def test_early_stopping_on_a_metric_that_stops_improving():
    est = _estimator()
    est.logger.setLevel(logging.ERROR)
    loss_metric = est.train_metrics[1]
    with pytest.warns(UserWarning, match="greater"):
        stopper = EarlyStoppingHandler(loss_metric, patience=1)  # auto: greater, as MXNet
    est.fit(_data(), epochs=10, event_handlers=[stopper])
    # the training loss falls, so under 'greater' it never improves after the first epoch
    assert stopper.stop_training and stopper.stopped_epoch == 1 and stopper.current_epoch == 2
    with pytest.raises(HybridError, match="CompositeEvalMetric"):
        EarlyStoppingHandler(metric.CompositeEvalMetric(["acc"]))


def test_checkpoints_rotate_keep_best_and_resume(tmp_path):
    est = _estimator()
    est.logger.setLevel(logging.ERROR)
    est.net.hybridize()
    loss_metric = est.train_metrics[1]
    handler = CheckpointHandler(
        str(tmp_path), monitor=loss_metric, save_best=True, mode="min", max_checkpoints=2
    )
    est.fit(_data(), epochs=3, event_handlers=[handler])
    files = sorted(os.listdir(tmp_path))
    assert files == [
        "model-best.params", "model-best.states",
        "model-epoch1batch6.params", "model-epoch1batch6.states",
        "model-epoch2batch9.params", "model-epoch2batch9.states",
        "model-symbol.json",
    ]  # fmt: skip
    trained = {k: p.data().asnumpy() for k, p in est.net.collect_params().items()}

    resumed = _estimator()
    resumed.logger.setLevel(logging.ERROR)
    resume = CheckpointHandler(str(tmp_path), resume_from_checkpoint=True)
    resumed.fit(_data(), epochs=4, event_handlers=[resume])  # one epoch left after epoch 2
    # numbered on from the checkpoint: epoch 2 + 1, batch 9 + 3
    assert resumed.max_epoch == 1 and "model-epoch3batch12.params" in os.listdir(tmp_path)
    again = _estimator()
    again.net.load_parameters(str(tmp_path / "model-epoch2batch9.params"))
    for key, value in trained.items():
        np.testing.assert_array_equal(again.net.collect_params()[key].data().asnumpy(), value)
    est.fit(_data(), epochs=1)  # the first run trained on for the same one epoch
    for key, param in est.net.collect_params().items():
        got = resumed.net.collect_params()[key].data().asnumpy()
        np.testing.assert_allclose(got, param.data().asnumpy(), rtol=1e-6)
    with pytest.raises(HybridError, match="maximum number of epochs"):
        _estimator().fit(
            _data(),
            epochs=3,
            event_handlers=[CheckpointHandler(str(tmp_path), resume_from_checkpoint=True)],
        )


def test_handler_referring_to_an_unknown_metric_is_refused():
    est = _estimator()
    with pytest.raises(HybridError, match="outside of the known training and validation metrics"):
        est.fit(_data(), epochs=1, event_handlers=[LoggingHandler(metrics=[metric.Accuracy()])])
    with pytest.raises(HybridError, match="loss must be a gluon.loss.Loss"):
        Estimator(_net(), loss=None)
