"""The project's named Jupyter kernel, ``inertia``, installed into the virtual environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from inertia.errors import InertiaError

KERNEL_NAME = "inertia"
DISPLAY_NAME = "Python 3.11 (inertia)"


def install(prefix: str | None = None) -> Path:
    """Install the kernelspec under ``prefix`` (default: this interpreter's environment).

    The kernel logs only errors: ipykernel's start-up warning about TCP
    transport would otherwise be printed once per notebook.
    """
    from ipykernel.kernelspec import install as install_kernelspec

    path = Path(
        install_kernelspec(
            kernel_name=KERNEL_NAME, display_name=DISPLAY_NAME, prefix=prefix or sys.prefix
        )
    )
    spec_file = path / "kernel.json"
    spec = json.loads(spec_file.read_text())
    if "--IPKernelApp.log_level=ERROR" not in spec["argv"]:
        spec["argv"].append("--IPKernelApp.log_level=ERROR")
    spec["env"] = {"PYTHONHASHSEED": "0"}
    spec_file.write_text(json.dumps(spec, indent=1) + "\n")
    return path


def require(name: str) -> None:
    """Raise a readable error when the kernel ``name`` is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise InertiaError(
            f"The Jupyter kernel {name!r} is not installed. Run `make setup` "
            f"(or `python -m inertia.pipeline.kernel`) first."
        ) from None


if __name__ == "__main__":
    print(f"Installed kernel {KERNEL_NAME!r} in {install()}")
