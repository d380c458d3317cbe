"""Models: the event study and convergence-break test of chapter 3, the panel models of chapter 4.

Submodules import :mod:`linearmodels` themselves; importing this package stays light.
"""
