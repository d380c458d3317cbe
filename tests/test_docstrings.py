"""numpydoc validation of the public functions of the estimation layers.

Every public function and method of ``inertia.measures``, ``inertia.models``,
``inertia.roles``, ``inertia.scenarios`` and ``inertia.multiverse`` has a
docstring whose Parameters section lists exactly its parameters, in order, and
a Returns section when it returns a value. numpydoc's own validator
(:func:`numpydoc.validate.validate`) judges each one on the imported object, so
that properties, which numpydoc documents as attributes (in the class's
Attributes section), are not taken for functions. The checks are
:data:`CHECKS`; the rest of numpydoc's style checks (summary wording, periods,
See Also and Examples sections) are not enforced.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest
from numpydoc.validate import validate

import inertia.measures
import inertia.models

#: numpydoc checks: GL08 no docstring; GL06 unknown section; GL07 sections out of order;
#: PR01 parameter not documented; PR02 unknown parameter documented; PR03 wrong order;
#: PR10 no space before the colon of "name : type"; RT01 no Returns section.
CHECKS = frozenset({"GL06", "GL07", "GL08", "PR01", "PR02", "PR03", "PR10", "RT01"})

PACKAGES = (inertia.measures, inertia.models)
MODULES = ("inertia.roles", "inertia.scenarios", "inertia.multiverse", "inertia.results")


def _modules() -> Iterator[str]:
    for package in PACKAGES:
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            yield info.name
    yield from MODULES


def _public_functions() -> Iterator[str]:
    """Dotted names of the public functions and methods the modules define."""
    for module_name in _modules():
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module_name:
                continue
            if inspect.isfunction(obj):
                yield f"{module_name}.{name}"
            elif inspect.isclass(obj):
                for method_name, method in vars(obj).items():
                    if method_name.startswith("_"):
                        continue
                    if isinstance(method, staticmethod | classmethod):
                        method = method.__func__
                    if inspect.isfunction(method):
                        yield f"{module_name}.{name}.{method_name}"


FUNCTIONS = sorted(set(_public_functions()))


def test_the_modules_have_public_functions() -> None:
    # A discovery that found nothing would pass every check below.
    assert len(FUNCTIONS) > 100
    assert "inertia.models.twfe_core.AbsorbedDesign.ols" in FUNCTIONS  # a method
    assert "inertia.measures.synergy.city_gap" in FUNCTIONS  # a function
    assert "inertia.multiverse.run_multiverse" in FUNCTIONS  # a module outside the packages
    # Properties are documented as attributes, in their class's docstring.
    assert "inertia.models.twfe_core.OLSResults.beta" not in FUNCTIONS


@pytest.mark.parametrize("name", FUNCTIONS)
def test_numpydoc_parameters_and_returns(name: str) -> None:
    errors = [f"{code} {message}" for code, message in validate(name)["errors"] if code in CHECKS]
    assert not errors, f"{name}: " + "; ".join(errors)
