"""The Jupyter kernels the course machinery runs notebooks in (the generator and the grader).

A kernel is always this environment's Python (as nbval's ``--nbval-current-env``), so a learner's
other Pythons and global kernels never leak in, and it talks over Unix sockets in a private
temporary folder instead of localhost TCP ports: no port another user could reach.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ipykernel.kernelspec
import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

EXECUTION_TIMEOUT = 300  # seconds per cell; lessons take seconds, this only stops a hang


class _ThisEnvironment(KernelSpecManager):
    """Kernel specs whose ``python3`` is always this environment's Python."""

    def get_kernel_spec(self, kernel_name):
        if kernel_name == "python3":
            return self.kernel_spec_class(
                resource_dir=ipykernel.kernelspec.RESOURCES,
                **ipykernel.kernelspec.get_kernel_dict(),
            )
        return super().get_kernel_spec(kernel_name)


@contextmanager
def kernel_manager() -> Iterator[AsyncKernelManager]:
    """A manager for a fresh ``python3`` kernel running this environment's Python. Asynchronous,
    as nbclient expects: with a blocking one its time limits and dead-kernel detection never fire.
    Its sockets live in a private temporary folder, removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix="attnlab-kernel-") as sockets:
        yield AsyncKernelManager(kernel_name="python3", kernel_spec_manager=_ThisEnvironment(),
                                 transport="ipc", ip=str(Path(sockets) / "kernel"))


def execute(nb: nbformat.NotebookNode, workdir: Path) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in a fresh kernel, in ``workdir``, and keep the outputs (in place)."""
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor  # only here: a slow import

    with kernel_manager() as km:
        client = NotebookClient(
            nb, km=km, timeout=EXECUTION_TIMEOUT, resources={"metadata": {"path": str(workdir)}},
        )
        client.execute(cleanup_kc=True)  # shut the kernel down: the client does not own km
    # One stream output per cell and stream: how stdout arrives in pieces varies from run to run.
    CoalesceStreamsPreprocessor().preprocess(nb, {})
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # wall-clock timestamps: differ every run
    return nb
