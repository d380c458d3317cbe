"""Figures: one style, cluster maps and chapter plots, drawn with matplotlib."""
