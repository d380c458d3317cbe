"""Where the runner keeps its state, and the chapter notebooks in dependency order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inertia.pipeline.notebook import SOURCE_SUFFIX

#: Chapter notebooks and the notebooks whose data artefacts each one reads.
#: Only notebooks whose source ``notebooks/NN_name.py`` is present take part in a run.
NOTEBOOK_GRAPH: dict[str, tuple[str, ...]] = {
    "01_data": (),
    "02_validation": (),
    "03_inertia_evidence": ("01_data", "02_validation"),
    "04_role_deviation": ("01_data", "02_validation", "03_inertia_evidence"),
    "05_chain_reaction": (
        "01_data",
        "02_validation",
        "03_inertia_evidence",
        "04_role_deviation",
    ),
    "06_corrective_measures": (
        "01_data",
        "02_validation",
        "03_inertia_evidence",
        "04_role_deviation",
        "05_chain_reaction",
    ),
    # The specification curve measures everything itself from the panel: it reads
    # 01's artefacts and the harness's table (02) only, so it runs beside chapters
    # 3-6 and no change of theirs re-executes it.
    "07_robustness": ("01_data", "02_validation"),
}


@dataclass(frozen=True)
class Layout:
    """The folders one invocation of the runner reads and writes.

    ``reports`` is a symbolic link to a complete, immutable version folder in
    ``state/published``; publishing builds a new version beside it and then
    swaps the link with one atomic rename, so an interrupted run never leaves
    a half-written ``reports/``.
    """

    root: Path
    state: Path
    reports: Path
    processed: Path

    @classmethod
    def for_project(cls, root: Path) -> Layout:
        """The project's own state, reports and processed folders under ``root``."""
        return cls(root, root / ".inertia", root / "reports", root / "data" / "processed")

    @classmethod
    def scratch(cls, root: Path, scratch: Path) -> Layout:
        """A separate state, reports and processed folder (used by ``verify``)."""
        return cls(root, scratch / ".inertia", scratch / "reports", scratch / "processed")

    @property
    def notebooks(self) -> Path:
        """Folder of the chapter sources."""
        return self.root / "notebooks"

    @property
    def work(self) -> Path:
        """Folder of the notebooks' private work folders."""
        return self.state / "work"

    @property
    def published(self) -> Path:
        """Folder of the published report versions (``reports`` links to one)."""
        return self.state / "published"

    @property
    def dep_file(self) -> Path:
        """doit's dependency database."""
        return self.state / "doit.sqlite3"

    def source(self, notebook: str) -> Path:
        """The chapter's percent-format source (read with ``notebook.read_chapter``)."""
        return self.notebooks / f"{notebook}{SOURCE_SUFFIX}"

    def work_dir(self, run: str, notebook: str) -> Path:
        """The work folder of one run's notebook."""
        return self.work / run / notebook

    def processed_dir(self, run: str) -> Path:
        """The processed-data folder of one run."""
        return self.processed / run

    def chapter_notebooks(self) -> list[str]:
        """Names of the chapter notebooks present, in dependency order."""
        return [name for name in NOTEBOOK_GRAPH if self.source(name).is_file()]

    def upstream(self, notebook: str) -> tuple[str, ...]:
        """The notebooks ``notebook`` reads from, those present only."""
        present = set(self.chapter_notebooks())
        return tuple(n for n in NOTEBOOK_GRAPH.get(notebook, ()) if n in present)
