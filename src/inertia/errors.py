"""User-facing errors.

Anything a user can cause (bad parameters, malformed workbooks, missing
files) raises a subclass of :class:`InertiaError`. The command line catches
these and prints the message alone, without a traceback, and exits non-zero.
Programming errors stay ordinary exceptions so that they keep their traceback.
"""

from __future__ import annotations


class InertiaError(Exception):
    """A problem with the user's input, reported as one readable paragraph."""

    exit_code = 2


class ParameterError(InertiaError):
    """A parameter in ``params.yaml`` or on the command line is invalid."""


class DataError(InertiaError):
    """An input data file is missing, malformed or fails validation."""


class NotebookFailed(InertiaError):
    """A chapter notebook raised an exception while executing."""

    exit_code = 1
