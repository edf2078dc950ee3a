"""The metric base class, the name registry and ``create``, and the metrics built from
functions or losses.
"""

from __future__ import annotations

import json
from typing import Any

import numpy

from ..base import HybridError
from ..class_registry import ClassRegistry

_CLASSES = ClassRegistry("metric")


def as_numpy(x: Any) -> numpy.ndarray:
    return x._data if hasattr(x, "_data") else numpy.asarray(x)


def as_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def check_label_shapes(labels: Any, preds: Any, wrap: bool = False, shape: bool = False) -> tuple:
    """Check that labels and preds agree in count (or in shape with ``shape=True``); with
    ``wrap=True`` single arrays come back as one-element lists.
    """
    if wrap:
        labels, preds = as_list(labels), as_list(preds)
    got = (as_numpy(labels).shape, as_numpy(preds).shape) if shape else (len(labels), len(preds))
    if got[0] != got[1]:
        raise HybridError(f"Shape of labels {got[0]} does not match shape of predictions {got[1]}")
    return labels, preds


def register(klass: type) -> type:
    """Register a metric class under its lowercased name, for ``create``."""
    return _CLASSES.register(klass)


def alias(*names: str) -> Any:
    """Class decorator adding names under which ``create`` finds a metric."""
    return _CLASSES.alias(*names)


def create(metric: Any, *args: Any, **kwargs: Any) -> EvalMetric:
    """A metric from a name (``'acc'``, ``'f1'``, ...), an instance, a callable
    ``feval(label, pred)``, a list of those (a :class:`CompositeEvalMetric`), or a config:
    a dict or JSON text as :meth:`EvalMetric.get_config` gives (``{"metric": "Accuracy", ...}``),
    or JSON ``["name", {kwargs}]``.
    """
    if callable(metric) and not isinstance(metric, type):
        return CustomMetric(metric, *args, **kwargs)
    if isinstance(metric, list):
        return CompositeEvalMetric([create(m, *args, **kwargs) for m in metric])
    if isinstance(metric, EvalMetric):
        if args or kwargs:
            raise HybridError("metric.create: an EvalMetric instance takes no further arguments")
        return metric
    if isinstance(metric, dict):
        config = {**metric, **kwargs}
        return create(config.pop("metric"), *args, **config)
    if isinstance(metric, type) and issubclass(metric, EvalMetric):
        return metric(*args, **kwargs)
    if not isinstance(metric, str):
        raise HybridError(f"metric.create: expected a name, config or metric, got {metric!r}")
    if metric.startswith(("[", "{")):
        if args or kwargs:
            raise HybridError("metric.create: a JSON config takes no further arguments")
        config = json.loads(metric)
        if isinstance(config, list):
            name, config = config
            return create(name, **config)
        return create(config)
    return _CLASSES.get(metric)(*args, **kwargs)


class EvalMetric:
    """Base class: ``sum_metric / num_inst`` over everything seen since ``reset``.

    Parameters
    ----------
    name : str
    output_names, label_names : list of str, optional
        Which outputs and labels ``update_dict`` passes on.
    has_global_stats : bool, default False
        Whether ``get_global`` reads the statistics kept since ``reset`` (all built-in metrics
        say so); without, it reads the local ones, as MXNet does for a plain subclass.
    """

    def __init__(
        self,
        name: str,
        output_names: list | None = None,
        label_names: list | None = None,
        **kwargs: Any,
    ):
        self.name = str(name)
        self.output_names = output_names
        self.label_names = label_names
        self._has_global_stats = kwargs.pop("has_global_stats", False)
        self._kwargs = kwargs
        self.reset()

    def __str__(self) -> str:
        return f"EvalMetric: {dict(self.get_name_value())}"

    def get_config(self) -> dict:
        config = dict(self._kwargs)
        config.update(
            metric=type(self).__name__,
            name=self.name,
            output_names=self.output_names,
            label_names=self.label_names,
        )
        return config

    def update_dict(self, label: dict, pred: dict) -> None:
        """``update`` from dicts of named labels and outputs."""
        preds = [pred[n] for n in self.output_names] if self.output_names else list(pred.values())
        labels = [label[n] for n in self.label_names] if self.label_names else list(label.values())
        self.update(labels, preds)

    def update(self, labels: Any, preds: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define update")

    def _add(self, value: float, count: float) -> None:
        self.sum_metric += value
        self.global_sum_metric += value
        self.num_inst += count
        self.global_num_inst += count

    def reset(self) -> None:
        self.reset_local()
        self.global_num_inst = 0
        self.global_sum_metric = 0.0

    def reset_local(self) -> None:
        self.num_inst = 0
        self.sum_metric = 0.0

    def _value(self, total: float, count: float) -> float:
        return float("nan") if count == 0 else total / count

    def get(self) -> tuple:
        return self.name, self._value(self.sum_metric, self.num_inst)

    def get_global(self) -> tuple:
        if not self._has_global_stats:
            return self.get()
        return self.name, self._value(self.global_sum_metric, self.global_num_inst)

    def get_name_value(self) -> list:
        return _name_value(*self.get())

    def get_global_name_value(self) -> list:
        return _name_value(*self.get_global())


def _name_value(name: Any, value: Any) -> list:
    return list(zip(as_list(name), as_list(value)))


@register
@alias("composite")
class CompositeEvalMetric(EvalMetric):
    """Several metrics updated together; ``get`` returns lists of names and values."""

    def __init__(self, metrics: list | None = None, name: str = "composite", **kwargs: Any):
        self.metrics = [create(m) for m in (metrics or [])]
        super().__init__(name, has_global_stats=True, **kwargs)

    def add(self, metric: Any) -> None:
        self.metrics.append(create(metric))

    def get_metric(self, index: int) -> EvalMetric:
        if not 0 <= index < len(self.metrics):
            raise HybridError(f"Metric index {index} is out of range 0 and {len(self.metrics)}")
        return self.metrics[index]

    def update(self, labels: Any, preds: Any) -> None:
        for metric in self.metrics:
            metric.update(labels, preds)

    def update_dict(self, labels: dict, preds: dict) -> None:
        if self.label_names is not None:
            labels = {k: v for k, v in labels.items() if k in self.label_names}
        if self.output_names is not None:
            preds = {k: v for k, v in preds.items() if k in self.output_names}
        for metric in self.metrics:
            metric.update_dict(labels, preds)

    def reset(self) -> None:
        for metric in getattr(self, "metrics", []):
            metric.reset()

    def reset_local(self) -> None:
        for metric in self.metrics:
            metric.reset_local()

    def _collect(self, method: str) -> tuple:
        names, values = [], []
        for metric in self.metrics:
            name, value = getattr(metric, method)()
            names.extend(as_list(name))
            values.extend(as_list(value))
        return names, values

    def get(self) -> tuple:
        return self._collect("get")

    def get_global(self) -> tuple:
        return self._collect("get_global")

    def get_config(self) -> dict:
        return {**super().get_config(), "metrics": [m.get_config() for m in self.metrics]}


@register
class Loss(EvalMetric):
    """Mean of the given loss values (labels are ignored)."""

    def __init__(self, name: str = "loss", **kwargs: Any):
        super().__init__(name, has_global_stats=True, **kwargs)

    def update(self, _: Any, preds: Any) -> None:
        for pred in as_list(preds):
            pred = as_numpy(pred)
            self._add(float(pred.sum()), pred.size)


@register
class Torch(Loss):
    """:class:`Loss` under the name MXNet gives torch criterions."""

    def __init__(self, name: str = "torch", **kwargs: Any):
        super().__init__(name, **kwargs)


@register
class Caffe(Loss):
    """:class:`Loss` under the name MXNet gives caffe criterions."""

    def __init__(self, name: str = "caffe", **kwargs: Any):
        super().__init__(name, **kwargs)


@register
class CustomMetric(EvalMetric):
    """A metric from ``feval(label, pred)`` on numpy arrays, returning a value or
    ``(sum, count)``.
    """

    def __init__(
        self, feval: Any, name: str | None = None, allow_extra_outputs: bool = False, **kwargs: Any
    ):
        if name is None:
            name = feval.__name__
            if "<" in name:
                name = f"custom({name})"
        super().__init__(
            name,
            feval=feval,
            allow_extra_outputs=allow_extra_outputs,
            has_global_stats=True,
            **kwargs,
        )
        self._feval = feval
        self._allow_extra_outputs = allow_extra_outputs

    def get_config(self) -> dict:
        raise HybridError("CustomMetric cannot be serialized: its feval is a Python function")

    def update(self, labels: Any, preds: Any) -> None:
        if self._allow_extra_outputs:
            labels, preds = as_list(labels), as_list(preds)
        else:
            labels, preds = check_label_shapes(labels, preds, True)
        for pred, label in zip(preds, labels):
            value = self._feval(as_numpy(label), as_numpy(pred))
            self._add(*(value if isinstance(value, tuple) else (value, 1)))


def np(numpy_feval: Any, name: str | None = None, allow_extra_outputs: bool = False) -> Any:
    """A :class:`CustomMetric` from a numpy function ``feval(label, pred)``."""
    return CustomMetric(numpy_feval, name, allow_extra_outputs)
