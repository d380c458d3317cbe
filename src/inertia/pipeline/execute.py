"""Execute one chapter notebook with papermill into a private work folder.

The notebook is built from the chapter's percent-format source
(:func:`~inertia.pipeline.notebook.read_chapter`) and runs in a fresh
temporary folder; only when it has finished and its outputs have been
collected is that folder renamed into place. A failure keeps the partially
executed notebook for the user and raises
:class:`~inertia.errors.NotebookFailed` with the notebook, the failing
cell's source and the exception.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inertia.errors import NotebookFailed
from inertia.io import atomic_write
from inertia.pipeline.kernel import KERNEL_NAME
from inertia.report.outputs import RECORD_MIME

RECORD_FILE = "record.json"

#: One BLAS thread per kernel: linearmodels runs 4-7x slower with two
#: OpenBLAS threads on two cores, and a fixed thread count keeps floating
#: point reductions, hence outputs, identical from run to run.
KERNEL_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "JUPYTER_PLATFORM_DIRS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


@dataclass(frozen=True)
class NotebookJob:
    """Everything needed to execute one notebook of one run."""

    run: str
    notebook: str
    source: Path  # the chapter's percent-format source, notebooks/NN_name.py
    work_dir: Path
    processed_dir: Path
    parameters: dict[str, Any]
    inputs: dict[str, str]
    failed_dir: Path
    root: Path
    kernel: str = KERNEL_NAME
    #: The runner's cache key, stored in the record (:mod:`inertia.pipeline.runner`).
    cache: dict[str, Any] | None = None
    #: Absolute folder -> the name published in its place
    #: (:func:`inertia.pipeline.portable.layout_names`).
    published_names: dict[str, str] | None = None


def _clean_metadata(nb: Any) -> None:
    """Drop timings and random ids so executed notebooks do not change from run to run."""
    papermill_meta = nb.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "exception", "input_path", "output_path"):
        papermill_meta.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        # papermill gives the cell it injects a random id.
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"


def collect_records(nb: Any) -> list[dict[str, Any]]:
    """Provenance records displayed by :class:`~inertia.report.outputs.Publisher`, with cells."""
    records = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(RECORD_MIME)
            if payload is not None:
                record = dict(payload)
                record["cell"] = {"index": index, "id": cell.get("id")}
                records.append(record)
    return records


def _failure_message(job: NotebookJob, exc: Any, kept: Path) -> str:
    source = (exc.source or "").strip()
    if len(source) > 1500:
        source = source[:1500] + "\n..."
    indented = "\n".join("    " + line for line in source.splitlines())
    return (
        f"Notebook {job.notebook} (run {job.run!r}) failed in cell {exc.cell_index}:\n"
        f"{indented}\n{exc.ename}: {exc.evalue}\n"
        f"The partially executed notebook is kept at {kept}."
    )


def execute(job: NotebookJob) -> dict[str, Any]:
    """Run ``job`` and return its record; raise NotebookFailed on a cell error."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from inertia.pipeline.kernel import require
    from inertia.pipeline.notebook import read_chapter

    require(job.kernel)
    source = read_chapter(job.source)
    os.environ.update(KERNEL_ENV)
    os.environ["INERTIA_ROOT"] = str(job.root)
    job.work_dir.parent.mkdir(parents=True, exist_ok=True)
    # Leftovers of an interrupted run of this notebook (the runner holds a lock,
    # so no other run is using them).
    for stale in job.work_dir.parent.glob(f".{job.notebook}.*-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = job.work_dir.parent / f".{job.notebook}.tmp-{os.getpid()}"
    tmp.mkdir(parents=True)
    executed = tmp / f"{job.notebook}.ipynb"
    # papermill reads the notebook from a file: given the object itself, it would
    # store the whole notebook in the executed one's metadata as its input path.
    built = tmp / f".{job.notebook}.source.ipynb"
    nbformat.write(source, built)
    parameters = {
        **job.parameters,
        "output_dir": str(tmp),
        "processed_dir": str(job.processed_dir),
        "run_name": job.run,
    }
    try:
        papermill.execute_notebook(
            str(built),
            str(executed),
            parameters=parameters,
            kernel_name=job.kernel,
            cwd=str(job.root),
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=True,
        )
    except PapermillExecutionError as exc:
        job.failed_dir.mkdir(parents=True, exist_ok=True)
        kept = job.failed_dir / f"{job.notebook}.ipynb"
        if executed.exists():
            shutil.copyfile(executed, kept)
        shutil.rmtree(tmp, ignore_errors=True)
        raise NotebookFailed(_failure_message(job, exc, kept)) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    built.unlink()
    names = _path_names(job, tmp)
    nb = names.notebook(nbformat.read(executed, as_version=4))
    _clean_metadata(nb)
    records = collect_records(nb)
    nbformat.write(nb, executed)
    _render_html(nb, tmp / f"{job.notebook}.html")
    record = {
        "run": job.run,
        "notebook": job.notebook,
        "parameters": names.value(job.parameters),
        "inputs": names.value(job.inputs),
        "outputs": records,
        # The cache key keeps the real paths: the state folder is never published.
        "cache": job.cache,
    }
    body = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(tmp / RECORD_FILE, lambda path: path.write_text(body, encoding="utf-8"))

    trash = job.work_dir.parent / f".{job.notebook}.old-{os.getpid()}"
    if job.work_dir.exists():
        os.replace(job.work_dir, trash)
    os.replace(tmp, job.work_dir)
    shutil.rmtree(trash, ignore_errors=True)
    return record


def _path_names(job: NotebookJob, tmp: Path) -> Any:
    """The rewriting of machine folders for ``job``, its private work folder included.

    Parameters
    ----------
    job : NotebookJob
        The job, with the layout's :attr:`NotebookJob.published_names`.
    tmp : Path
        The private folder the notebook runs in (``output_dir``), published
        under the name of the work folder it is renamed to.

    Returns
    -------
    inertia.pipeline.portable.PathNames
        The rule applied to the executed notebook and the provenance.
    """
    from inertia.pipeline.portable import PathNames

    folders: dict[Path | str, str] = dict((job.published_names or {}).items())
    work_name = PathNames.build(folders).text(str(job.work_dir))
    return PathNames.build({**folders, tmp: work_name, job.work_dir: work_name})


def _render_html(nb: Any, path: Path) -> None:
    from inertia.pipeline.mathml import MathMLExporter

    # MathML, not MathJax: the template loads no script from a CDN (pipeline/mathml.py).
    exporter = MathMLExporter(
        template_name="inertia", extra_template_basedirs=[str(Path(__file__).parent / "templates")]
    )
    # The provenance records are for the runner, not for readers.
    body, _ = exporter.from_notebook_node(_without_records(nb))
    path.write_text(body, encoding="utf-8")


def _without_records(nb: Any) -> Any:
    import copy

    clone = copy.deepcopy(nb)
    for cell in clone.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if RECORD_MIME not in o.get("data", {})]
    return clone
