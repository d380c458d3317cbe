"""Data layer: reference facts, the canonical panel, its sources and geometry."""
