"""Publishing results: figures, tables and regression tables with provenance."""
