"""Tests of inertia.engine.map_tasks: order, per-task seeds, one BLAS thread, failures.

Oracles: numpy's own SeedSequence.spawn for the seeds, the inline engine for
the process pool, threadpoolctl for the thread count. The dask engine is
tested through the multiverse (tests/test_multiverse.py), byte for byte.
"""

from __future__ import annotations

import numpy as np
import pytest

from inertia.engine import map_tasks, task_seed
from inertia.errors import InertiaError, ParameterError


def _draw(context, task, seed):
    """A task: a seeded draw, the task, the context and this worker's BLAS threads."""
    from threadpoolctl import threadpool_info

    threads = {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}
    return task, context["scale"] * np.random.default_rng(seed).normal(size=3), threads


def _fail_on_two(context, task, seed):
    if task == 2:
        raise ValueError("task two is broken")
    return task


def test_seeds_are_numpy_spawned_children():
    children = np.random.SeedSequence(42).spawn(5)
    for index, child in enumerate(children):
        assert task_seed(42, index).generate_state(4).tolist() == child.generate_state(4).tolist()
    assert task_seed(None, 3) is None


def test_pool_equals_inline_in_order_seeds_and_threads():
    tasks = list(range(7))
    inline = map_tasks(_draw, tasks, context={"scale": 2.0}, seed=9)
    pooled = map_tasks(_draw, tasks, context={"scale": 2.0}, seed=9, jobs=2)
    assert [t for t, _, _ in inline] == tasks == [t for t, _, _ in pooled]
    for (_, a, threads_a), (_, b, threads_b) in zip(inline, pooled, strict=True):
        np.testing.assert_array_equal(a, b)
        assert threads_a <= {1} and threads_b <= {1}
    # a different master seed gives different draws; tasks differ from each other
    other = map_tasks(_draw, tasks, context={"scale": 2.0}, seed=10)
    assert not np.array_equal(inline[0][1], other[0][1])
    assert not np.array_equal(inline[0][1], inline[1][1])


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_task_is_named(jobs):
    with pytest.raises(InertiaError, match=r"1 of 4 task\(s\) failed: \['cell-2'\].*task two"):
        map_tasks(_fail_on_two, [0, 1, 2, 3], jobs=jobs, names=[f"cell-{i}" for i in range(4)])


def test_bad_options_are_refused():
    with pytest.raises(ParameterError, match="engine"):
        map_tasks(_draw, [1], engine="ray")
    with pytest.raises(ParameterError, match="jobs"):
        map_tasks(_draw, [1], jobs=0)
    with pytest.raises(ParameterError, match="scheduler"):
        map_tasks(_draw, [1], scheduler="tcp://localhost:8786")
