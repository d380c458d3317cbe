"""The runner: chapter notebooks as doit tasks with a precise content cache.

Each (run, notebook) pair is one `doit <https://pydoit.org>`_ task; doit
orders them (``task_dep`` on the upstream notebooks) and runs independent
ones side by side. Whether a task is up to date is decided by the runner's
own **cache key**, the SHA-256 digests of everything the notebook reads:

* ``source``: the notebook file;
* ``parameters``: the parameters it declares in its ``parameters`` cell *and
  the run reads* (:meth:`inertia.params.Run.reads`: the simulated run does not
  read ``ccsy_dir``, the CCSY run does not read ``scale``), so changing one
  parameter re-executes only the notebooks that read it;
* ``inputs``: the data artefacts of the upstream notebooks it depends on (as
  their records list them, not the upstream records as a whole: an upstream
  figure that changes re-executes nothing downstream) and, for ``01_data`` of
  the CCSY run, the raw workbooks;
* ``code``: the ``src/inertia`` package and the committed reference facts.

The key is written into the notebook's ``record.json`` inside its private
work folder, and that folder is renamed into place only once the notebook has
finished (:mod:`inertia.pipeline.execute`): a notebook is up to date when its
published record carries the current key and the data artefacts it lists are
on disk with their recorded digests. The cache state therefore lives with the
outputs it describes and survives a ``kill -9`` at any moment: a rerun
re-executes only the notebooks whose work had not been published. File times
play no part (git does not keep them). After the tasks, :func:`publish`
assembles ``reports/`` atomically.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inertia.errors import InertiaError, NotebookFailed, ParameterError
from inertia.params import RUNNER_PARAMS, Run, known_keys
from inertia.pipeline.layout import Layout
from inertia.pipeline.notebook import parameters_cell
from inertia.pipeline.portable import layout_names

RAW_SUFFIXES = (".xlsx", ".xls", ".xlsm")


@dataclass
class Summary:
    """What one invocation did."""

    executed: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    skipped_runs: list[str] = field(default_factory=list)
    published: bool = False
    seconds: float = 0.0


def declared_parameters(notebook: Path, cache_dir: Path | None = None) -> list[str]:
    """Names assigned in the cell tagged ``parameters`` of a chapter's source.

    Parsed with :mod:`ast` rather than papermill so that a no-op rerun does
    not pay for importing papermill.

    Parameters
    ----------
    notebook : Path
        The chapter's percent-format source, ``notebooks/NN_name.py``.
    cache_dir : Path, optional
        Where :func:`~inertia.pipeline.notebook.parameters_cell` remembers
        the cell of each version of the source (the runner's state folder).

    Returns
    -------
    list of str
        The assigned names, in the cell's order.
    """
    source = parameters_cell(notebook, cache_dir)
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def _code_files(root: Path) -> list[Path]:
    package = root / "src" / "inertia"
    reference = root / "data" / "reference"
    return sorted(package.rglob("*.py")) + sorted(p for p in reference.glob("*") if p.is_file())


def code_digest(root: Path) -> str:
    """SHA-256 over the package's Python files and the reference facts (paths and bytes)."""
    import hashlib

    digest = hashlib.sha256()
    for path in _code_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def published_record(work_dir: Path, processed_dir: Path) -> dict[str, Any] | None:
    """The record of a notebook's published work, if it is complete on disk.

    None when the work folder has no record, or when a data artefact the record
    lists is missing from ``processed_dir`` or differs from its recorded digest
    (a run killed while it rewrote them, a file removed by hand).
    """
    from inertia.io import sha256_file
    from inertia.pipeline.execute import RECORD_FILE

    path = work_dir / RECORD_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    notebook = record.get("notebook", "")
    if not all((work_dir / f"{notebook}{suffix}").is_file() for suffix in (".ipynb", ".html")):
        return None
    # Verdict files are published beside the tables (Publisher.verdict).
    folders = {
        "data": processed_dir,
        "figure": work_dir / "figures",
        "table": work_dir / "tables",
        "verdict": work_dir / "tables",
    }
    for output in record.get("outputs", []):
        for item in output["files"]:
            target = folders[output["kind"]] / item["path"]
            if not target.is_file():
                return None
            # Data artefacts are what downstream notebooks read: check their content.
            if output["kind"] == "data" and sha256_file(target) != item["sha256"]:
                return None
    return record


def raw_inputs(run: Run, root: Path) -> list[Path]:
    """Raw data files a run reads (the CCSY workbooks for the CCSY run)."""
    if run.params.data_source != "ccsy":
        return []
    folder = Path(run.params.ccsy_dir)
    folder = folder if folder.is_absolute() else root / folder
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in RAW_SUFFIXES)


class _Progress:
    """Thread-safe progress lines, per notebook and in total."""

    def __init__(self, total: int, write: Callable[[str], None]) -> None:
        self.total = total
        self.done = 0
        self.write = write
        self.lock = threading.Lock()
        self.started = time.perf_counter()

    def line(self, text: str) -> None:
        with self.lock:
            self.write(text)

    def finish(self, name: str, status: str, seconds: float | None = None) -> None:
        with self.lock:
            self.done += 1
            took = f" in {seconds:.1f} s" if seconds is not None else ""
            total = time.perf_counter() - self.started
            self.write(f"[{self.done}/{self.total}] {name}: {status}{took} (total {total:.1f} s)")


def _reporter_class(progress: _Progress) -> type:
    from doit.reporter import ConsoleReporter

    class Reporter(ConsoleReporter):
        """Short lines instead of doit's own output; failures are reported by the runner."""

        def execute_task(self, task: Any) -> None:
            if task.name.startswith("notebook:"):
                progress.line(f"  running {task.name.removeprefix('notebook:')} ...")

        def skip_uptodate(self, task: Any) -> None:
            if task.name.startswith("notebook:"):
                progress.finish(task.name.removeprefix("notebook:"), "up to date")

        def add_failure(self, task: Any, fail: Any) -> None:
            self.failures.append({"task": task, "exception": fail})

        def add_success(self, task: Any) -> None:
            pass

        def complete_run(self) -> None:
            pass

        def skip_ignore(self, task: Any) -> None:
            pass

        def teardown_task(self, task: Any) -> None:
            pass

    return Reporter


def _closure(layout: Layout, notebooks: Iterable[str] | None) -> list[str]:
    """The notebooks asked for and every notebook they depend on, in dependency order.

    Parameters
    ----------
    layout : Layout
        Folders to read and write.
    notebooks : iterable of str, optional
        The notebooks asked for; all by default.

    Returns
    -------
    list of str
        The notebooks to bring up to date, in the order of the chapters.

    Raises
    ------
    InertiaError
        No chapter notebook in the layout.
    ParameterError
        An unknown notebook.
    """
    available = layout.chapter_notebooks()
    if not available:
        raise InertiaError(f"No chapter notebooks found in {layout.notebooks}.")
    wanted = list(notebooks or available)
    for name in wanted:
        if name not in available:
            raise ParameterError(
                f"Unknown notebook {name!r}; the chapters are: {', '.join(available)}."
            )
    closure: list[str] = []

    def visit(name: str) -> None:
        for parent in layout.upstream(name):
            visit(parent)
        if name not in closure:
            closure.append(name)

    for name in wanted:
        visit(name)
    closure.sort(key=available.index)
    return closure


def _declared_run_parameters(layout: Layout, closure: Sequence[str]) -> dict[str, list[str]]:
    """The run parameters each notebook declares in its ``parameters`` cell.

    Parameters
    ----------
    layout : Layout
        Folders to read and write.
    closure : sequence of str
        The notebooks.

    Returns
    -------
    dict
        Notebook -> the declared names that are parameters of ``params.yaml``
        (the runner's own, such as ``output_dir``, left out).

    Raises
    ------
    InertiaError
        A notebook declares a name that is neither.
    """
    declared = {}
    for name in closure:
        names = declared_parameters(layout.source(name), layout.state)
        unknown = [n for n in names if n not in known_keys() and n not in RUNNER_PARAMS]
        if unknown:
            raise InertiaError(
                f"Notebook {name} declares parameters {unknown} that params.yaml does not "
                f"define; add them to inertia.params.ChapterParams."
            )
        declared[name] = [n for n in names if n in known_keys()]
    return declared


class _NotebookTasks:
    """What the notebook tasks of one invocation share: the cache key, the summary, failures.

    Parameters
    ----------
    code : str
        :func:`code_digest` of the project.
    summary : Summary
        Collects the executed notebooks.
    progress : _Progress
        Progress lines.
    """

    def __init__(self, code: str, summary: Summary, progress: _Progress) -> None:
        self.code = code
        self.summary = summary
        self.progress = progress
        self.failures: list[str] = []

    def cache_key(self, job_args: dict[str, Any]) -> dict[str, Any]:
        """Digests of everything the notebook reads (module docstring).

        Parameters
        ----------
        job_args : dict
            The task's arguments (:func:`_job_arguments`).

        Returns
        -------
        dict
            ``source``, ``parameters``, ``inputs`` and ``code``.
        """
        from inertia.io import sha256_file

        inputs = {str(p): sha256_file(Path(p)) for p in job_args["raw_files"]}
        for record_path in job_args["upstream_records"]:
            upstream = json.loads(Path(record_path).read_text(encoding="utf-8"))
            for output in upstream["outputs"]:
                if output["kind"] == "data":
                    for item in output["files"]:
                        inputs[f"{upstream['notebook']}/{item['path']}"] = item["sha256"]
        return {
            "source": sha256_file(Path(job_args["source"])),
            "parameters": job_args["parameters"],
            "inputs": dict(sorted(inputs.items())),
            "code": self.code,
        }

    def is_current(self, job_args: dict[str, Any]) -> bool:
        """Whether the notebook's published work carries the current cache key.

        Parameters
        ----------
        job_args : dict
            The task's arguments.

        Returns
        -------
        bool
        """
        record = published_record(Path(job_args["work_dir"]), Path(job_args["processed_dir"]))
        return record is not None and record.get("cache") == self.cache_key(job_args)

    def action(self, job_args: dict[str, Any]) -> Any:
        """Execute the notebook; a failure is kept for the runner to report.

        Parameters
        ----------
        job_args : dict
            The task's arguments.

        Returns
        -------
        doit.exceptions.TaskFailed or None
            None when the notebook ran.
        """
        from doit.exceptions import TaskFailed

        from inertia.pipeline.execute import NotebookJob, execute

        key = self.cache_key(job_args)
        job_args = {k: v for k, v in job_args.items() if k not in ("upstream_records", "raw_files")}
        label = f"{job_args['run']} · {job_args['notebook']}"
        started = time.perf_counter()
        try:
            execute(NotebookJob(**job_args, inputs=key["inputs"], cache=key))
        except InertiaError as exc:
            self.failures.append(str(exc))
            self.progress.finish(label, "FAILED", time.perf_counter() - started)
            return TaskFailed(str(exc))
        except Exception as exc:  # a kernel that cannot start, a full disk ...
            self.failures.append(
                f"Notebook {label} could not be executed: {type(exc).__name__}: {exc}"
            )
            self.progress.finish(label, "FAILED", time.perf_counter() - started)
            return TaskFailed(str(exc))
        self.summary.executed.append(label)
        self.progress.finish(label, "executed", time.perf_counter() - started)
        return None


def _job_arguments(
    layout: Layout,
    run: Run,
    name: str,
    parameters: dict[str, Any],
    raw: list[str],
    kernel: str,
) -> dict[str, Any]:
    """The arguments of one notebook's task: its :class:`NotebookJob` and what its key reads.

    Parameters
    ----------
    layout : Layout
        Folders to read and write.
    run : Run
        The run.
    name : str
        The notebook.
    parameters : dict
        The run parameters the notebook declares and the run reads.
    raw : list of str
        The run's raw data files (:func:`raw_inputs`).
    kernel : str
        Jupyter kernel.

    Returns
    -------
    dict
        The fields of :class:`~inertia.pipeline.execute.NotebookJob` but
        ``inputs`` and ``cache``, and ``upstream_records`` and ``raw_files``
        (what the cache key reads).
    """
    from inertia.pipeline.execute import RECORD_FILE

    upstream = [
        str(layout.work_dir(run.name, parent) / RECORD_FILE) for parent in layout.upstream(name)
    ]
    published_names = {
        str(folder): published
        for folder, published in layout_names(
            layout.root,
            layout.state,
            layout.processed,
            layout.reports,
            ccsy_dir=run.params.ccsy_dir if raw else None,
        ).items()
    }
    return {
        "run": run.name,
        "notebook": name,
        "source": layout.source(name),
        "work_dir": layout.work_dir(run.name, name),
        "processed_dir": layout.processed_dir(run.name),
        "parameters": parameters,
        "failed_dir": layout.reports / "failed" / run.name,
        "root": layout.root,
        "kernel": kernel,
        "upstream_records": upstream,
        "raw_files": raw if name == "01_data" else [],
        "published_names": published_names,
    }


def _notebook_tasks(
    layout: Layout,
    runs: Sequence[Run],
    closure: Sequence[str],
    declared: dict[str, list[str]],
    kernel: str,
    tasks: _NotebookTasks,
) -> Iterator[dict[str, Any]]:
    """doit's task dictionaries, one per run and notebook.

    Parameters
    ----------
    layout : Layout
        Folders to read and write.
    runs : sequence of Run
        The runs.
    closure : sequence of str
        The notebooks, in dependency order.
    declared : dict
        Notebook -> its declared run parameters (:func:`_declared_run_parameters`).
    kernel : str
        Jupyter kernel.
    tasks : _NotebookTasks
        The action and up-to-date check of the tasks.

    Yields
    ------
    dict
        A doit task: its action, upstream tasks, target and up-to-date check.
    """
    from inertia.pipeline.execute import RECORD_FILE

    for run in runs:
        params = run.as_dict()
        raw = [str(p) for p in raw_inputs(run, layout.root)]
        for name in closure:
            subset = {k: params[k] for k in declared[name] if run.reads(k)}
            job_args = _job_arguments(layout, run, name, subset, raw, kernel)
            yield {
                "name": f"{run.name} · {name}",
                "actions": [(tasks.action, [job_args])],
                "task_dep": [f"notebook:{run.name} · {parent}" for parent in layout.upstream(name)],
                "targets": [str(layout.work_dir(run.name, name) / RECORD_FILE)],
                # Evaluated once the upstream tasks are done, so their records are final.
                "uptodate": [(tasks.is_current, [job_args])],
                # 2: let the progress lines through instead of capturing them.
                "verbosity": 2,
            }


def _doit_arguments(layout: Layout, jobs: int, force: bool) -> list[str]:
    """The command line of ``doit run`` for the notebook tasks.

    Parameters
    ----------
    layout : Layout
        Folders to read and write (doit's database is in its state folder).
    jobs : int
        Notebooks executed side by side (threads).
    force : bool
        Execute even what is up to date.

    Returns
    -------
    list of str
    """
    args = ["run", "--db-file", str(layout.dep_file), "--backend", "sqlite3"]
    if jobs > 1:
        args += ["-n", str(jobs), "-P", "thread"]
    if force:
        args.append("--always-execute")
    args.append("notebook")
    return args


def run_notebooks(
    layout: Layout,
    runs: Sequence[Run],
    *,
    notebooks: Iterable[str] | None = None,
    jobs: int = 1,
    force: bool = False,
    kernel: str | None = None,
    write: Callable[[str], None] = print,
) -> Summary:
    """Execute what is stale, in dependency order, and return what happened.

    Parameters
    ----------
    layout : Layout
        Folders to read and write.
    runs : sequence of Run
        Enabled runs to execute.
    notebooks : iterable of str, optional
        Only these notebooks (and whatever they depend on); all by default.
    jobs : int
        Notebooks executed side by side (doit threads, each driving its own
        kernel process with one BLAS thread).
    force : bool
        Execute even what is up to date.
    kernel : str, optional
        Jupyter kernel (default: the project's, :data:`inertia.pipeline.kernel.KERNEL_NAME`).
    write : callable
        Receives the progress lines.

    Returns
    -------
    Summary
        The notebooks executed and up to date, and the time the tasks took.

    Raises
    ------
    NotebookFailed
        A notebook failed (every failure's message, one paragraph each).
    InertiaError
        No chapter notebook, a notebook declaring an unknown parameter, or a
        task runner that stopped with an error.
    ParameterError
        An unknown notebook.
    """
    from doit.cmd_base import ModuleTaskLoader
    from doit.doit_cmd import DoitMain

    from inertia.pipeline.kernel import KERNEL_NAME

    closure = _closure(layout, notebooks)
    declared = _declared_run_parameters(layout, closure)
    summary = Summary()
    progress = _Progress(len(closure) * len(runs), write)
    tasks = _NotebookTasks(code_digest(layout.root), summary, progress)

    def task_notebook() -> Any:
        yield from _notebook_tasks(
            layout, runs, closure, declared, kernel or KERNEL_NAME, tasks
        )

    layout.state.mkdir(parents=True, exist_ok=True)
    loader = ModuleTaskLoader(
        {
            "task_notebook": task_notebook,
            "DOIT_CONFIG": {
                "dep_file": str(layout.dep_file),
                "backend": "sqlite3",
                "reporter": _reporter_class(progress),
                "verbosity": 0,
            },
        }
    )
    started = time.perf_counter()
    code = DoitMain(loader).run(_doit_arguments(layout, jobs, force))
    summary.seconds = time.perf_counter() - started
    if tasks.failures:
        raise NotebookFailed("\n\n".join(tasks.failures))
    if code != 0:
        raise InertiaError(f"The task runner stopped with exit code {code}.")
    summary.up_to_date = [
        f"{run.name} · {n}"
        for run in runs
        for n in closure
        if f"{run.name} · {n}" not in summary.executed
    ]
    return summary


@contextmanager
def exclusive(layout: Layout) -> Iterator[None]:
    """Hold an exclusive lock on ``layout``'s state folder for a whole run.

    Two runs sharing a state folder would overwrite each other's work folders
    and race to publish; the second one is refused with a clear message.
    """
    import fcntl

    layout.state.mkdir(parents=True, exist_ok=True)
    lock_path = layout.state / "lock"
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InertiaError(f"Another run holds {lock_path}; wait for it to finish.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def enabled_runs(runs: Sequence[Run], write: Callable[[str], None] = print) -> list[Run]:
    """The runs that can execute; a one-line note for each skipped one."""
    chosen = []
    for run in runs:
        if run.enabled:
            chosen.append(run)
        else:
            write(f"note: {run.skip_reason}")
    return chosen


def stderr(text: str) -> None:
    """Print ``text`` on standard error at once."""
    print(text, file=sys.stderr, flush=True)


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to 1, true or yes."""
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}
