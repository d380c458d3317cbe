"""The runner: papermill notebooks as doit tasks, manifest, gallery and verification."""
