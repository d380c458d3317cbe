"""Map tasks over an engine (inline, a local process pool, dask.distributed), seeded per task.

One function, :func:`map_tasks`, runs ``function(context, task, seed)`` for
every task and returns the results in task order, whichever the engine, so
the multiverse, the permutation and bootstrap tests and the validation
harness share one code path from a laptop to a cluster:

``engine="local", jobs=1``
    Inline, in this process.
``engine="local", jobs=N``
    A :class:`~concurrent.futures.ProcessPoolExecutor` of N workers, forked
    on Linux (they start at once, with the parent's imported modules) and
    spawned elsewhere. The context is sent once per worker (pool initializer).
``engine="dask"``
    A ``dask.distributed`` client: ``scheduler`` is the address of a running
    scheduler (``"tcp://host:8786"``), a :class:`distributed.Client`, or a
    cluster object such as ``dask_jobqueue.SLURMCluster(...)`` /
    ``PBSCluster(...)``; without one, a LocalCluster of ``jobs``
    single-threaded worker processes on 127.0.0.1 is started and closed. The
    context is scattered to every worker once. Dask reruns the tasks of a
    worker that dies.

Determinism
-----------
* **Seeds.** Task ``i`` receives ``numpy.random.SeedSequence(seed,
  spawn_key=(i,))``, the ``i``-th child of ``SeedSequence(seed).spawn(n)``: it
  depends on the master seed and the task's position only, never on the
  engine, the worker or the order in which tasks finish. ``seed=None`` passes
  ``None``.
* **Threads.** Every task runs with one BLAS/OpenMP thread
  (:func:`threadpoolctl.threadpool_limits`), inline too, and spawned and dask
  workers start with ``OMP/OPENBLAS/MKL_NUM_THREADS=1``: floating-point
  reductions then happen in the same order in every engine, so a
  deterministic task gives byte-identical results locally and on a cluster
  (and linearmodels does not slow down 4-7x from thread contention).

Failures: a task that raises stops the map with an
:class:`~inertia.errors.InertiaError` naming the task(s) that failed and the
first error; tasks that should record their own failures must catch them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from inertia.errors import InertiaError, ParameterError

__all__ = ["BLAS_VARIABLES", "ENGINES", "map_tasks", "task_seed"]

ENGINES: tuple[str, ...] = ("local", "dask")
#: Environment variables that fix the thread count of BLAS and OpenMP libraries.
BLAS_VARIABLES: tuple[str, ...] = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

TaskFunction = Callable[[Any, Any, "np.random.SeedSequence | None"], Any]


def task_seed(seed: int | None, index: int) -> np.random.SeedSequence | None:
    """The seed of task ``index``: ``SeedSequence(seed, spawn_key=(index,))``.

    Parameters
    ----------
    seed : int or None
        Master seed.
    index : int
        Position of the task.

    Returns
    -------
    numpy.random.SeedSequence or None
    """
    if seed is None:
        return None
    return np.random.SeedSequence(seed, spawn_key=(int(index),))


def _call(function: TaskFunction, context: Any, task: Any, seed: Any) -> Any:
    """Run one task with one BLAS thread (the same in every engine)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return function(context, task, seed)


def map_tasks(
    function: TaskFunction,
    tasks: Sequence[Any],
    *,
    context: Any = None,
    engine: str = "local",
    jobs: int = 1,
    scheduler: Any = None,
    seed: int | None = None,
    names: Sequence[str] | None = None,
) -> list[Any]:
    """Run ``function(context, task, seed_i)`` for every task; results in task order.

    Parameters
    ----------
    function : callable
        A module-level function (it is pickled to the workers) taking the
        shared context, one task and the task's :class:`~numpy.random.SeedSequence`.
    tasks : sequence
        Picklable task descriptions.
    context : object, optional
        Data every task needs, sent to each worker once.
    engine : {"local", "dask"}
    jobs : int
        Local worker processes (1: inline), or LocalCluster workers for dask
        without a ``scheduler``.
    scheduler : str, distributed.Client or cluster object, optional
        Where the dask engine runs (module docstring).
    seed : int, optional
        Master seed of :func:`task_seed`.
    names : sequence of str, optional
        Task names for error messages and dask keys; default ``task-<i>``.

    Returns
    -------
    list
        ``function``'s results, one per task, in the order of ``tasks``.
    """
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {list(ENGINES)}; got {engine!r}.")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"jobs must be a positive integer; got {jobs!r}.")
    if engine == "local" and scheduler is not None:
        raise ParameterError("scheduler= is only used with engine='dask'.")
    labels = list(names) if names is not None else [f"task-{i}" for i in range(len(tasks))]
    if len(labels) != len(tasks):
        raise ParameterError(f"{len(labels)} names for {len(tasks)} tasks.")
    seeds = [task_seed(seed, i) for i in range(len(tasks))]
    if engine == "local" and jobs == 1:
        results = []
        for task, task_seed_i, label in zip(tasks, seeds, labels, strict=True):
            try:
                results.append(_call(function, context, task, task_seed_i))
            except InertiaError:
                raise
            except Exception as exc:
                raise InertiaError(_failure_message({label: exc}, len(tasks))) from exc
        return results
    if engine == "local":
        return _run_pool(function, tasks, context, jobs, seeds, labels)
    return _run_dask(function, tasks, context, jobs, scheduler, seeds, labels)


def _failure_message(failures: dict[str, BaseException], total: int) -> str:
    first_label, first = next(iter(failures.items()))
    listed = list(failures)[:20]
    more = " ..." if len(failures) > 20 else ""
    return (
        f"{len(failures)} of {total} task(s) failed: {listed}{more}. "
        f"First ({first_label}): {type(first).__name__}: {first}"
    )


def _gather(futures: Sequence[Any], labels: Sequence[str]) -> tuple[list[Any], dict[str, Any]]:
    """Results of finished futures in order (None for a failed one) and the failures by label."""
    results: list[Any] = []
    failures: dict[str, Any] = {}
    for future, label in zip(futures, labels, strict=True):
        try:
            results.append(future.result())
        except Exception as exc:
            failures[label] = exc
            results.append(None)
    return results, failures


# --------------------------------------------------------------------------- local pool

_WORKER: dict[str, Any] = {}
#: Linux: fork, so a worker starts in milliseconds with the modules the parent has
#: imported (libpysal alone takes seconds to import); every task limits BLAS to one
#: thread itself. Elsewhere spawn (macOS frameworks are not fork-safe).
_START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"


def _init_worker(function: TaskFunction, context: Any) -> None:
    """Pool initializer: keep the function and context for every task of this worker."""
    _WORKER["function"] = function
    _WORKER["context"] = context


def _run_in_worker(task: Any, seed: Any) -> Any:
    return _call(_WORKER["function"], _WORKER["context"], task, seed)


def _run_pool(
    function: TaskFunction,
    tasks: Sequence[Any],
    context: Any,
    jobs: int,
    seeds: list[Any],
    labels: list[str],
) -> list[Any]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    saved = {name: os.environ.get(name) for name in BLAS_VARIABLES}
    # Spawned children copy the environment at start, before they import numpy.
    os.environ.update(dict.fromkeys(BLAS_VARIABLES, "1"))
    try:
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context(_START_METHOD),
            initializer=_init_worker,
            initargs=(function, context),
        ) as pool:
            futures = [
                pool.submit(_run_in_worker, task, seed)
                for task, seed in zip(tasks, seeds, strict=True)
            ]
            results, failures = _gather(futures, labels)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if failures:
        raise InertiaError(_failure_message(failures, len(tasks)))
    return results


# --------------------------------------------------------------------------- dask


def _run_dask(
    function: TaskFunction,
    tasks: Sequence[Any],
    context: Any,
    jobs: int,
    scheduler: Any,
    seeds: list[Any],
    labels: list[str],
) -> list[Any]:
    import uuid

    from distributed import Client, LocalCluster, wait

    cluster = None
    owned_client = True
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
            env=dict.fromkeys(BLAS_VARIABLES, "1"),
        )
        client = Client(cluster)
    elif isinstance(scheduler, Client):
        client, owned_client = scheduler, False
    else:
        # An address, or a cluster object (LocalCluster, dask_jobqueue.SLURMCluster ...).
        client = Client(scheduler)
    token = uuid.uuid4().hex[:12]
    try:
        shared = client.scatter(context, broadcast=True, hash=False)
        futures = [
            client.submit(
                _call,
                function,
                shared,
                task,
                seed,
                key=f"{label}-{token}",
                pure=False,
            )
            for task, seed, label in zip(tasks, seeds, labels, strict=True)
        ]
        wait(futures)
        # A failure is a KilledWorker after repeated losses, or an error in the task.
        results, failures = _gather(futures, labels)
    finally:
        if owned_client:
            client.close()
        if cluster is not None:
            cluster.close()
    if failures:
        raise InertiaError(
            _failure_message(failures, len(tasks))
            + " The other results were discarded; re-run to complete the map."
        )
    return results
