"""CheckpointHandler (parameters and trainer states saved periodically, the best model kept,
training resumed from the latest checkpoint) and EarlyStoppingHandler, as MXNet 1.9.1's.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from typing import Any

import numpy as np

from ....base import HybridError
from ....metric import CompositeEvalMetric, EvalMetric
from ._events import BatchEnd, EpochEnd, TrainBegin, TrainEnd, improvement_op

__all__ = ["CheckpointHandler", "EarlyStoppingHandler"]


class CheckpointHandler(TrainBegin, BatchEnd, EpochEnd):
    """Saves ``{model_prefix}-epoch{E}batch{B}.params`` and ``.states`` (trainer) in
    ``model_dir`` every ``epoch_period`` epochs and/or ``batch_period`` batches, keeping the
    latest ``max_checkpoints``; with ``save_best``, also ``{model_prefix}-best.*`` whenever the
    ``monitor`` metric improves (``mode`` 'min', 'max' or 'auto'). A hybridized network's graph
    is written to ``{model_prefix}-symbol.json`` at the first batch. ``resume_from_checkpoint``
    loads the latest checkpoint at ``train_begin`` and trains only the remaining epochs or
    batches.
    """

    def __init__(
        self,
        model_dir: str,
        model_prefix: str = "model",
        monitor: Any = None,
        verbose: int = 0,
        save_best: bool = False,
        mode: str = "auto",
        epoch_period: int | None = 1,
        batch_period: int | None = None,
        max_checkpoints: int = 5,
        resume_from_checkpoint: bool = False,
    ):
        self.monitor, self.verbose = monitor, verbose
        os.makedirs(model_dir, exist_ok=True)
        self.model_dir, self.model_prefix = model_dir, model_prefix
        self.save_best = save_best
        if save_best and not isinstance(monitor, EvalMetric):
            raise HybridError(
                "CheckpointHandler: to save the best model only, provide one of the metric "
                "objects from estimator.train_metrics and estimator.val_metrics as monitor"
            )
        self.epoch_period, self.batch_period = epoch_period, batch_period
        self.current_batch = self.current_epoch = 0
        self.max_checkpoints = max_checkpoints
        self.resume_from_checkpoint = resume_from_checkpoint
        self.saved_checkpoints: list[str] = []
        if save_best:
            self.monitor_op = improvement_op("CheckpointHandler", monitor, mode)
            self.best = np.inf if self.monitor_op is np.less else -np.inf

    def train_begin(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        self.current_epoch = self.current_batch = 0
        if self.save_best:
            self.best = np.inf if self.monitor_op is np.less else -np.inf
        if self.resume_from_checkpoint:
            by_batch = bool(self.batch_period) and not self.epoch_period
            by_epoch = bool(self.epoch_period) and not self.batch_period
            if (estimator.max_batch and not by_batch) or (estimator.max_epoch and not by_epoch):
                raise HybridError(
                    "CheckpointHandler: to resume from a checkpoint, save only by the kind of "
                    "period the training counts (epoch_period for epochs with batch_period=None, "
                    "or batch_period for batches with epoch_period=None)"
                )
            self._resume(estimator)

    def batch_end(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        if self.current_batch == 0:
            self._save_symbol(estimator)
        if self.batch_period and (self.current_batch + 1) % self.batch_period == 0:
            self._save_checkpoint(estimator)
        self.current_batch += 1

    def epoch_end(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        if self.epoch_period and (self.current_epoch + 1) % self.epoch_period == 0:
            self._save_checkpoint(estimator)
        self.current_epoch += 1

    def _save_checkpoint(self, estimator: Any) -> None:
        epoch, batch = self.current_epoch, self.current_batch
        if self.resume_from_checkpoint:
            epoch += self.trained_epoch + 1
            batch += self.trained_batch + (0 if estimator.max_epoch else 1)
        prefix = f"{self.model_prefix}-epoch{epoch}batch{batch}"
        self._save_params_and_trainer(estimator, prefix)
        if self.verbose > 0:
            estimator.logger.info(
                "[Epoch %d] CheckpointHandler: trained total %d batches, saving model at %s "
                "with prefix: %s",
                self.current_epoch, self.current_batch + 1, self.model_dir, prefix,
            )  # fmt: skip
        if self.save_best:
            self._save_if_best(estimator)

    def _save_if_best(self, estimator: Any) -> None:
        name, value = self.monitor.get()
        if np.isnan(value):
            warnings.warn(
                f"Skipping save best because {name} is not updated, make sure you pass one of "
                "the metric objects estimator.train_metrics and estimator.val_metrics as monitor",
                RuntimeWarning,
                stacklevel=3,
            )
        elif self.monitor_op(value, self.best):
            self._save_params_and_trainer(estimator, self.model_prefix + "-best")
            if self.verbose > 0:
                estimator.logger.info(
                    "[Epoch %d] CheckpointHandler: %s improved from %0.5f to %0.5f, updating "
                    "best model at %s with prefix: %s",
                    self.current_epoch, name, self.best, value, self.model_dir,
                    self.model_prefix + "-best",
                )  # fmt: skip
            self.best = value
        elif self.verbose > 0:
            estimator.logger.info(
                "[Epoch %d] CheckpointHandler: %s did not improve from %0.5f, skipping updating "
                "best model",
                self.current_batch, name, self.best,
            )  # fmt: skip

    def _save_symbol(self, estimator: Any) -> None:
        symbol_file = os.path.join(self.model_dir, self.model_prefix + "-symbol.json")
        cached = getattr(estimator.net, "_cached_op", None)
        trace = None if cached is None else cached.last_trace
        if trace is None:
            estimator.logger.info(
                "Model architecture(symbol file) is not saved, please use HybridBlock to "
                "construct your model, and call net.hybridize() before passing to Estimator in "
                "order to save model architecture as %s.",
                symbol_file,
            )
            return
        with open(symbol_file, "w") as f:
            json.dump(trace.graph.to_json(), f, indent=1)

    def _save_params_and_trainer(self, estimator: Any, file_prefix: str) -> None:
        estimator.net.save_parameters(os.path.join(self.model_dir, file_prefix + ".params"))
        estimator.trainer.save_states(os.path.join(self.model_dir, file_prefix + ".states"))
        if "best" not in file_prefix:
            self.saved_checkpoints.append(file_prefix)
        if len(self.saved_checkpoints) > self.max_checkpoints:
            oldest = self.saved_checkpoints.pop(0)
            for fname in os.listdir(self.model_dir):
                if fname.startswith(oldest):
                    os.remove(os.path.join(self.model_dir, fname))

    def _latest(self) -> tuple[int, int]:
        """(epoch, batch) of the latest ``.params`` checkpoint in ``model_dir``, or (-1, -1)."""
        pattern = re.compile(re.escape(self.model_prefix) + r"-epoch(\d+)batch(\d+)\.params$")
        found = []
        for fname in os.listdir(self.model_dir):
            if fname.startswith(self.model_prefix + "-epoch") and ".params" in fname:
                match = pattern.match(fname)
                if match is None:
                    raise HybridError(
                        f"CheckpointHandler: cannot parse checkpoint file {fname}; expected "
                        "{model_prefix}-epoch{epoch}batch{batch}.params with a .states file"
                    )
                # NOTE: as in MXNet 1.9.1, checkpoints found here are not rotated out later
                found.append((int(match[1]), int(match[2])))
        if not found:
            return -1, -1
        epoch = max(e for e, _ in found)
        return epoch, max(b for e, b in found if e == epoch)

    def _resume(self, estimator: Any) -> None:
        self.trained_epoch, self.trained_batch = self._latest()
        if self.trained_epoch == -1:
            left = estimator.max_batch or estimator.max_epoch
            unit = "batches" if estimator.max_batch else "epochs"
            estimator.logger.info(
                "CheckpointHandler: No checkpoint found, training from scratch for %d %s",
                left,
                unit,
            )
            return
        msg = (
            f"CheckpointHandler: Checkpoint resumed from epoch {self.trained_epoch} batch "
            f"{self.trained_batch}, continue to train for "
        )
        if estimator.max_epoch:
            if self.trained_epoch >= estimator.max_epoch - 1:
                raise HybridError(
                    f"CheckpointHandler: found a checkpoint with the maximum number of epochs "
                    f"{estimator.max_epoch} reached; pass resume_from_checkpoint=False to train "
                    "from scratch"
                )
            estimator.max_epoch -= self.trained_epoch + 1
            msg += f"{estimator.max_epoch} epochs "
        if estimator.max_batch:
            if self.trained_batch >= estimator.max_batch - 1:
                raise HybridError(
                    f"CheckpointHandler: found a checkpoint with the maximum number of batches "
                    f"{self.trained_batch} reached; pass resume_from_checkpoint=False to train "
                    "from scratch"
                )
            estimator.max_batch -= self.trained_batch + 1
            msg += f"{estimator.max_batch} batches "
        stem = f"{self.model_prefix}-epoch{self.trained_epoch}batch{self.trained_batch}"
        param_file = os.path.join(self.model_dir, stem + ".params")
        trainer_file = os.path.join(self.model_dir, stem + ".states")
        for path in (param_file, trainer_file):
            if not os.path.exists(path):
                raise HybridError(
                    f"CheckpointHandler: failed to load checkpoint, {path} is missing"
                )
        estimator.net.load_parameters(param_file, ctx=estimator.context)
        estimator.trainer.load_states(trainer_file)
        estimator.logger.warning(msg)


class EarlyStoppingHandler(TrainBegin, EpochEnd, TrainEnd):
    """Stops training when ``monitor`` has not improved by more than ``min_delta`` for
    ``patience`` epochs (``mode`` 'min', 'max' or 'auto'; ``baseline`` the value to beat).
    """

    def __init__(
        self,
        monitor: Any,
        min_delta: float = 0,
        patience: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
    ):
        if not isinstance(monitor, EvalMetric):
            raise HybridError(
                "EarlyStoppingHandler: provide one of the metric objects from "
                "estimator.train_metrics and estimator.val_metrics as monitor"
            )
        if isinstance(monitor, CompositeEvalMetric):
            raise HybridError(
                "EarlyStoppingHandler: CompositeEvalMetric is not supported, specify a simple "
                "metric instead"
            )
        self.monitor, self.baseline, self.patience = monitor, baseline, patience
        self.wait = self.stopped_epoch = self.current_epoch = 0
        self.stop_training = False
        self.monitor_op = improvement_op("EarlyStoppingHandler", monitor, mode)
        self.min_delta = min_delta if self.monitor_op is np.greater else -min_delta

    def train_begin(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        self.wait = self.stopped_epoch = self.current_epoch = 0
        self.stop_training = False
        if self.baseline is not None:
            self.best = self.baseline
        else:
            self.best = np.inf if self.monitor_op is np.less else -np.inf

    def epoch_end(self, estimator: Any, *args: Any, **kwargs: Any) -> bool:
        name, value = self.monitor.get()
        if np.isnan(value):
            warnings.warn(
                f"{name} is not updated, make sure you pass one of the metric objects from "
                "estimator.train_metrics and estimator.val_metrics as monitor.",
                RuntimeWarning,
                stacklevel=2,
            )
        elif self.monitor_op(value - self.min_delta, self.best):
            self.best, self.wait = value, 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch, self.stop_training = self.current_epoch, True
        self.current_epoch += 1
        return self.stop_training

    def train_end(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        if self.stopped_epoch > 0:
            estimator.logger.info(
                "[Epoch %d] EarlyStoppingHanlder: early stopping due to %s not improving",
                self.stopped_epoch,
                self.monitor.get()[0],
            )
