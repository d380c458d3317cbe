"""Synergistic inertia in intergovernmental public-service cooperation.

The package's layers follow the data flow of the compendium, ``data`` ->
``measures`` -> ``roles`` -> ``models`` -> ``chapters`` -> ``viz`` / ``report``,
with ``pipeline`` (the papermill runner) and ``cli`` on top. The rules are
import-linter contracts in ``pyproject.toml``, explained in docs/design.md
section 7. It imports without Jupyter; only :mod:`inertia.pipeline` needs
papermill.
"""

__version__ = "0.1.0"
