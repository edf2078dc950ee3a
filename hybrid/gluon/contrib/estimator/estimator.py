"""Estimator (MXNet 1.9.1 ``gluon.contrib.estimator``): a training loop over a DataLoader driven
by event handlers.

``fit`` runs epochs (or a number of batches) of ``batch_processor.fit_batch``; everything else
happens in handlers called around each batch and epoch: the optimizer step
(:class:`GradientUpdateHandler`), metric updates (:class:`MetricHandler`), validation
(:class:`ValidationHandler`), logging (:class:`LoggingHandler`) and stopping
(:class:`StoppingHandler`) are added by default when the caller gives none of that kind.
"""

from __future__ import annotations

import copy
import logging
import sys
import warnings
from typing import Any

from ....base import HybridError
from ....context import Context, cpu, gpu, num_gpus
from ....metric import Loss as metric_loss
from ...data import DataLoader
from ...loss import Loss as gluon_loss
from ...parameter import ParameterNotInitializedError
from ...trainer import Trainer
from ._events import (
    BatchBegin,
    BatchEnd,
    EpochBegin,
    EpochEnd,
    TrainBegin,
    TrainEnd,
    check_event_handlers,
)
from .batch_processor import BatchProcessor
from .event_handler import (
    GradientUpdateHandler,
    LoggingHandler,
    MetricHandler,
    StoppingHandler,
    ValidationHandler,
)
from .utils import check_handler_metric_ref, check_metrics, suggest_metric_for_loss

__all__ = ["Estimator"]

_EVENTS = (TrainBegin, EpochBegin, BatchBegin, BatchEnd, EpochEnd, TrainEnd)


class Estimator:
    """Trains and evaluates ``net`` with ``loss``.

    Parameters
    ----------
    net : Block
    loss : gluon.loss.Loss
    train_metrics, val_metrics : EvalMetric or list, optional
        Default training metrics: Accuracy for SoftmaxCrossEntropyLoss, and a ``metric.Loss``
        named after the loss; names get a 'training ' prefix. Validation metrics default to
        copies of them named 'validation ...'.
    initializer : Initializer, optional
        Used when ``net`` is not initialized yet.
    trainer : gluon.Trainer, optional
        Default: SGD with learning rate 0.001 (with a warning).
    context : Context or list of Context, optional
        Default: ``gpu(0)`` if there is a GPU, else ``cpu()``.
    val_net, val_loss : optional
        What ``evaluate`` runs (default ``net`` and ``loss``).
    batch_processor : BatchProcessor, optional
        An object with ``fit_batch`` and ``evaluate_batch``.
    """

    logger = None

    def __init__(
        self,
        net: Any,
        loss: Any,
        train_metrics: Any = None,
        val_metrics: Any = None,
        initializer: Any = None,
        trainer: Any = None,
        context: Any = None,
        val_net: Any = None,
        val_loss: Any = None,
        batch_processor: Any = None,
    ):
        self.net = net
        self.loss = self._check_loss(loss)
        self._train_metrics = check_metrics(train_metrics)
        self._val_metrics = check_metrics(val_metrics)
        self._add_default_training_metrics()
        self._add_validation_metrics()
        self.val_loss = self.loss if val_loss is None else self._check_loss(val_loss)
        self.val_net = self.net if val_net is None else val_net
        self.logger = logging.Logger(name="Estimator", level=logging.INFO)
        self.logger.addHandler(logging.StreamHandler(sys.stdout))
        self.context = self._check_context(context)
        self._initialize(initializer)
        self.trainer = self._check_trainer(trainer)
        self.batch_processor = self._check_batch_processor(batch_processor)
        self.max_epoch = self.max_batch = None
        self.batch_axis = 0

    @staticmethod
    def _check_loss(loss: Any) -> Any:
        if not isinstance(loss, gluon_loss):
            raise HybridError(f"Estimator: loss must be a gluon.loss.Loss, got {loss!r}")
        return loss

    @staticmethod
    def _check_context(context: Any) -> list:
        gpus = [gpu(i) for i in range(num_gpus())]
        if not context:
            if len(gpus) > 1:
                warnings.warn(
                    "You have multiple GPUs, gpu(0) will be used by default. To utilize all your "
                    "GPUs, specify context as a list of gpus, e.g. context=[mx.gpu(0), mx.gpu(1)]",
                    stacklevel=3,
                )
            return [gpus[0]] if gpus else [cpu()]
        if isinstance(context, Context):
            context = [context]
        if not (isinstance(context, list) and all(isinstance(c, Context) for c in context)):
            raise HybridError(
                f"Estimator: context must be a Context or a list of Context, e.g. mx.cpu() or "
                f"[mx.gpu(0), mx.gpu(1)]; got {context!r}"
            )
        for ctx in context:
            if ctx not in gpus and not str(ctx).startswith("cpu"):
                raise HybridError(
                    f"Estimator: {ctx} is not available; use one of: mx.cpu()"
                    + "".join(f", {g}" for g in gpus)
                )
        return context

    @staticmethod
    def _check_batch_processor(batch_processor: Any) -> Any:
        if batch_processor is None:
            return BatchProcessor()
        if not (
            callable(getattr(batch_processor, "fit_batch", None))
            and callable(getattr(batch_processor, "evaluate_batch", None))
        ):
            raise HybridError(
                "Estimator: a customized batch processor must have fit_batch() and "
                "evaluate_batch() methods"
            )
        return batch_processor

    def _is_initialized(self) -> bool:
        try:
            for param in self.net.collect_params().values():
                param.list_ctx()
        except ParameterNotInitializedError:
            return False
        return True

    def _initialize(self, initializer: Any) -> None:
        if not self._is_initialized():
            kwargs = {"init": initializer} if initializer else {}
            self.net.initialize(ctx=self.context, **kwargs)
        elif initializer:
            warnings.warn(
                "Network already fully initialized, skipping initialization. You don't need to "
                "pass initializer if you already initialized your net. You can use "
                "net.initialize(init=your_initializer, force_reinit=True) to force "
                "re-initialize.",
                stacklevel=3,
            )

    def _check_trainer(self, trainer: Any) -> Trainer:
        if not trainer:
            warnings.warn(
                "No trainer specified, default SGD optimizer with learning rate 0.001 is used.",
                stacklevel=3,
            )
            return Trainer(self.net.collect_params(), "sgd", {"learning_rate": 0.001})
        if not isinstance(trainer, Trainer):
            raise HybridError(f"Estimator: trainer must be a gluon.Trainer, got {trainer!r}")
        return trainer

    def _add_default_training_metrics(self) -> None:
        if not self._train_metrics:
            suggested = suggest_metric_for_loss(self.loss)
            if suggested:
                self._train_metrics = [suggested]
            self._train_metrics.append(metric_loss(self.loss.name.rstrip("1234567890")))
        for metric in self._train_metrics:
            metric.name = "training " + metric.name

    def _add_validation_metrics(self) -> None:
        if not self._val_metrics:
            self._val_metrics = [copy.deepcopy(metric) for metric in self._train_metrics]
        for metric in self._val_metrics:
            if "training" in metric.name:
                metric.name = metric.name.replace("training", "validation")
            else:
                metric.name = "validation " + metric.name

    @property
    def train_metrics(self) -> list:
        return self._train_metrics

    @property
    def val_metrics(self) -> list:
        return self._val_metrics

    @staticmethod
    def _check_data(data: Any) -> None:
        if not isinstance(data, DataLoader):
            raise HybridError(
                "Estimator only supports a gluon.data.DataLoader as data; wrap a DataIter or "
                f"arrays in one (got {type(data).__name__})"
            )

    def evaluate(self, val_data: Any, batch_axis: int = 0, event_handlers: Any = None) -> None:
        """Run ``val_net`` over ``val_data`` once, updating ``val_metrics`` (reset first) through
        the validation handlers (by default a MetricHandler and a LoggingHandler).
        """
        self._check_data(val_data)
        for metric in self.val_metrics:
            metric.reset()
        handlers = self._prepare_handlers(event_handlers, None, self.val_metrics, training=False)
        _, epoch_begin, batch_begin, batch_end, epoch_end, _ = self._categorize_handlers(handlers)
        for handler in epoch_begin:
            handler.epoch_begin(self)
        for batch in val_data:
            for handler in batch_begin:
                handler.batch_begin(self, batch=batch)
            _, label, pred, loss = self.batch_processor.evaluate_batch(self, batch, batch_axis)
            for handler in batch_end:
                handler.batch_end(self, batch=batch, pred=pred, label=label, loss=loss)
        for handler in epoch_end:
            handler.epoch_end(self)

    def fit(
        self,
        train_data: Any,
        val_data: Any = None,
        epochs: int | None = None,
        event_handlers: Any = None,
        batches: int | None = None,
        batch_axis: int = 0,
    ) -> None:
        """Train for ``epochs`` epochs or ``batches`` batches (exactly one of them), validating
        on ``val_data`` after each epoch when given.
        """
        self._check_data(train_data)
        if (not epochs) == (not batches):
            raise HybridError(
                "Estimator.fit: specify exactly one of epochs or batches (train by number of "
                "epochs or by number of batches)"
            )
        self.max_epoch, self.max_batch, self.batch_axis = epochs, batches, batch_axis
        handlers = self._prepare_handlers(event_handlers, val_data, self.train_metrics, True)
        train_begin, epoch_begin, batch_begin, batch_end, epoch_end, train_end = (
            self._categorize_handlers(handlers)
        )
        for handler in train_begin:
            handler.train_begin(self)
        stop = False
        while not stop:
            for handler in epoch_begin:
                handler.epoch_begin(self)
            for batch in train_data:
                for handler in batch_begin:
                    handler.batch_begin(self, batch=batch)
                _, label, pred, loss = self.batch_processor.fit_batch(self, batch, batch_axis)
                # NOTE: every handler sees the batch end before any stop takes effect
                results = [
                    handler.batch_end(self, batch=batch, pred=pred, label=label, loss=loss)
                    for handler in batch_end
                ]
                if any(results):
                    break
            stop = any([handler.epoch_end(self) for handler in epoch_end])
        for handler in train_end:
            handler.train_end(self)

    def _prepare_handlers(
        self, event_handlers: Any, val_data: Any, metrics: list, training: bool
    ) -> list:
        """The given handlers plus the defaults they lack, sorted by priority."""
        handlers = check_event_handlers(event_handlers)
        added = []

        def lacks(kind: type) -> bool:
            return not any(isinstance(handler, kind) for handler in handlers)

        if training:
            added.append(StoppingHandler(self.max_epoch, self.max_batch))
            if lacks(GradientUpdateHandler):
                added.append(GradientUpdateHandler())
        if lacks(MetricHandler):
            added.append(MetricHandler(metrics=metrics))
        if training and lacks(ValidationHandler) and val_data:
            added.append(ValidationHandler(val_data=val_data, eval_fn=self.evaluate))
        if lacks(LoggingHandler):
            added.append(LoggingHandler(metrics=metrics))
        mixing = handlers and added
        handlers.extend(added)
        if mixing:
            known = set(self.train_metrics + self.val_metrics if training else self.val_metrics)
            for handler in handlers:
                check_handler_metric_ref(handler, known)
        handlers.sort(key=lambda handler: getattr(handler, "priority", 0))
        return handlers

    @staticmethod
    def _categorize_handlers(event_handlers: list) -> tuple:
        """Handlers per event: (train_begin, epoch_begin, batch_begin, batch_end, epoch_end,
        train_end), each keeping the priority order.
        """
        return tuple([h for h in event_handlers if isinstance(h, event)] for event in _EVENTS)
