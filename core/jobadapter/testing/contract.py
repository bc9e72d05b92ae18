"""The adapter contract suite: subclass :class:`AdapterContract` in a test module.

Every adapter, built-in or third-party, promises the same things: its status
table covers the provider's documented words, ``parse`` is total, parsed jobs
serialise losslessly, declared capabilities are the implemented verbs, its
simulator (if any) reaches every documented terminal status, and no secret
ever shows in a repr, an error or a log line. This class checks all of them;
pytest collects its ``test_*`` methods from your subclass::

    class TestMyAdapterContract(AdapterContract):
        adapter_class = MyAdapter
        documented_statuses = ("Queued", "Running", "Done", "Failed")
        samples = {"done": ({"id": "1", "state": "Done"}, None, JobStatus.SUCCEEDED)}
        plugins = (my_plugin_module,)          # or leave empty to load installed plugins
        simulator_class = MySimulator          # optional
        terminal_scenarios = {JobStatus.SUCCEEDED: run_to_success}  # run(SimulatorRun) -> Job
"""

from __future__ import annotations

from typing import Any

from jobadapter.adapter import Adapter
from jobadapter.testing.contract_base import ContractBase, Sample, Scenario, SimulatorRun
from jobadapter.testing.contract_io import IOChecks
from jobadapter.testing.contract_parse import PureChecks

__all__ = ["AdapterContract", "ContractBase", "Sample", "Scenario", "SimulatorRun"]


class AdapterContract(PureChecks, IOChecks):
    """The contract every adapter passes. Subclass it in a test module (name it ``Test...``).

    Set as class attributes:

    - ``adapter_class``: the :class:`~jobadapter.Adapter` subclass under test;
    - ``documented_statuses``: every status word the provider's docs list;
    - ``samples``: real answers from the docs, a list of :data:`Sample` or a
      ``{name: Sample}`` dict (at least one);
    - ``plugins``: plugin objects/modules that register the adapter and its
      provider (empty: load installed plugins from entry points);
    - ``simulator_class`` and ``terminal_scenarios`` (``{JobStatus: Scenario}``):
      how to drive a job to each documented terminal status on the simulator;
    - ``profile_settings``: extra profile keys (TOML names) the provider needs;
    - ``secrets``: ``{profile secret key: sentinel}`` overrides; by default every
      secret key gets a fresh unique sentinel, which must never show anywhere;
    - ``repr_visible_keys``: secret keys reprs may show (default: none);
    - ``junk_examples``: generated payloads for the totality check.

    Override :meth:`make_adapter`, :meth:`make_simulator` or
    :meth:`submit_request` where the defaults do not fit; a shared base for
    several contracts sets ``abstract = True`` in its body. Errors raised
    against a failing server must be :class:`~jobadapter.errors.JobAdapterError`
    subclasses (typed), and must not show any sentinel secret.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        where = f"{cls.__module__}.{cls.__qualname__}"
        adapter = getattr(cls, "adapter_class", None)
        if not (isinstance(adapter, type) and issubclass(adapter, Adapter)):
            raise TypeError(f"{where}: set adapter_class to the Adapter subclass under test")
        documented = getattr(cls, "documented_statuses", None)
        if isinstance(documented, str) or not documented:
            raise TypeError(
                f"{where}: set documented_statuses to the status words the provider documents "
                "(a tuple of strings)"
            )
        if not getattr(cls, "samples", None):
            raise TypeError(
                f"{where}: set samples to at least one real answer from the provider's docs"
            )
        cls._sample_list()  # a malformed sample fails here, at import, with its name
        if cls.simulator_class is None:
            if cls.terminal_scenarios:
                raise TypeError(f"{where}: terminal_scenarios need a simulator_class")
            # No simulator: the simulator check does not apply (not collected, not skipped).
            cls.test_simulator_reaches_every_terminal_status = None  # type: ignore[assignment,method-assign]
