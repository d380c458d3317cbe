"""Chapter analysis: one module per chapter notebook (docs/design.md, "Layers").

Each module orchestrates the measures, models and scenarios its notebook
needs, returns result objects and decides the chapter's verdicts
(:mod:`inertia.chapters.verdicts`); the notebook calls it, and ``report``
and ``viz`` only render what it returns. The validation harness calls the
same functions on simulated panels.
"""
