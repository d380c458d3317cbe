"""Synergistic inertia in intergovernmental public-service cooperation.

The package follows the data flow of the compendium:
``data`` -> ``measures`` -> ``models`` -> ``scenarios`` -> ``viz`` / ``report``,
with a thin ``pipeline`` (the papermill runner) and ``cli`` on top.
It imports without Jupyter; only :mod:`inertia.pipeline` needs papermill.
"""

__version__ = "0.1.0"
