"""``mx.profiler``: every op call timed while running, a Chrome trace, an aggregate table, and no
hook at all while stopped."""

from __future__ import annotations

import json

import numpy as np
import pytest

import hybrid as mx
from hybrid import profiler
from hybrid.gluon import nn
from hybrid.ops import registry


@pytest.fixture
def prof(tmp_path):
    profiler.set_config(profile_all=True, aggregate_stats=True,
                        filename=str(tmp_path / "trace.json"))
    profiler._clear()
    yield tmp_path / "trace.json"
    profiler.set_state("stop")
    profiler.resume()
    profiler._clear()
    profiler.set_config(profile_all=False, filename="profile.json")


def _net():
    net = nn.HybridSequential()
    net.add(nn.Dense(5, activation="relu", in_units=4), nn.Dense(2, in_units=5))
    net.initialize()
    net.hybridize()
    return net


def test_stopped_profiler_leaves_no_hook(prof):
    assert registry.observer is None
    profiler.set_state("run")
    assert registry.observer is not None and profiler.state() == "run"
    profiler.pause()
    assert registry.observer is None
    profiler.resume()
    profiler.set_state("stop")
    assert registry.observer is None


def test_dump_writes_a_chrome_trace_of_every_op_call(prof):
    x, y = mx.nd.ones((2, 4)), mx.nd.ones((4,))
    net = _net()
    net(x)  # traced and compiled before profiling
    profiler.set_state("run")
    mx.nd.relu(x)
    mx.nd.broadcast_add(x, y)
    net(x)
    profiler.pause()
    mx.nd.sigmoid(x)  # not recorded
    profiler.resume()
    profiler.set_state("stop")
    mx.nd.tanh(x)  # not recorded
    profiler.dump()
    trace = json.loads(prof.read_text())
    events = [e for e in trace["traceEvents"] if e.get("ph") == "X"]
    eager = [(e["name"], e["args"]["inputs"]) for e in events if e["cat"] == "operator"]
    assert eager == [("relu", [[2, 4]]), ("broadcast_add", [[2, 4], [4]])]
    graph = [e for e in events if e["cat"] == "symbolic"]
    assert len(graph) >= 2 and all(e["args"]["inputs"][0][0] == 2 for e in graph)
    assert all(e["dur"] >= 0 and e["ts"] > 0 for e in events)
    starts = [e["ts"] for e in events]
    assert starts == sorted(starts)


def test_dumps_aggregates_per_op(prof):
    x = mx.nd.ones((3, 3))
    profiler.set_state("run")
    for _ in range(3):
        mx.nd.relu(x)
    mx.nd.exp(x)
    profiler.set_state("stop")
    table = profiler.dumps()
    row = next(line for line in table.splitlines() if line.startswith("relu"))
    count, total, low, high, avg = row.split()[1:]
    assert int(count) == 3
    assert float(low) <= float(avg) <= float(high)
    assert abs(float(total) - 3 * float(avg)) < 1e-3
    doc = json.loads(profiler.dumps(format="json", sort_by="count", reset=True))
    assert doc["Time"]["operator"]["relu"]["Count"] == 3
    assert doc["Time"]["operator"]["exp"]["Count"] == 1
    assert "relu" not in profiler.dumps()  # reset=True forgot them
    with pytest.raises(mx.HybridError, match="sort_by"):
        profiler.dumps(sort_by="median")


def test_hybridized_backward_steps_are_timed_under_mxnet_names(prof):
    net = _net()
    x = mx.nd.ones((2, 4))
    net(x)
    profiler.set_state("run")
    with mx.autograd.record():
        y = net(x)
    y.backward()
    profiler.set_state("stop")
    doc = json.loads(profiler.dumps(format="json"))["Time"]["symbolic"]
    forward = {name for name in doc if not name.startswith("_backward_")}
    assert "FullyConnected" in forward  # the last layer (the first may be fused with its relu)
    assert {f"_backward_{name}" for name in forward} == set(doc) - forward
    assert all(doc[f"_backward_{name}"]["Count"] == doc[name]["Count"] for name in forward)


def test_categories_follow_the_config(prof):
    profiler.set_config(profile_all=False, profile_imperative=False, profile_symbolic=True)
    net = _net()
    x = mx.nd.ones((2, 4))
    net(x)
    profiler.set_state("run")
    mx.nd.relu(x)
    net(x)
    profiler.set_state("stop")
    cats = {e["cat"] for e in profiler._events}
    profiler.set_config(profile_imperative=True)
    assert cats == {"symbolic"}
    with pytest.raises(mx.HybridError, match="unknown option"):
        profiler.set_config(profile_everything=True)


def test_user_tasks_counters_and_markers(prof):
    domain = profiler.Domain("app")
    task, counter, marker = domain.new_task("step"), domain.new_counter("items", 1), \
        domain.new_marker("here")
    profiler.set_state("run")
    task.start()
    counter += 2
    counter -= 1
    marker.mark()
    task.stop()
    profiler.set_state("stop")
    profiler.dump()
    events = json.loads(prof.read_text())["traceEvents"]
    assert [e["args"]["items"] for e in events if e["ph"] == "C"] == [3, 2]
    assert any(e["name"] == "step" and e["cat"] == "app:task" for e in events)
    assert any(e["name"] == "here" and e["ph"] == "i" for e in events)
    assert str(counter) == "items: 2"
    assert np.isfinite([e.get("dur", 0) for e in events]).all()
