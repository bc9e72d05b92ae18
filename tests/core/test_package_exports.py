"""``import jobadapter`` is lazy (PEP 562), yet every public name is there as before."""

from __future__ import annotations

import importlib
import subprocess
import sys

import jobadapter


def test_every_public_name_resolves_to_its_module_object() -> None:
    for name in jobadapter.__all__:
        value = getattr(jobadapter, name)
        module = jobadapter._EXPORTS.get(name, "jobadapter.observe")
        assert value is getattr(importlib.import_module(module), name), name
    assert set(jobadapter._EXPORTS) <= set(jobadapter.__all__)
    assert set(jobadapter.__all__) <= set(dir(jobadapter))


def test_observe_is_the_function_even_after_its_module_is_imported() -> None:
    import jobadapter.observe
    from jobadapter import observe

    assert callable(observe) and observe.__module__ == "jobadapter.observe"
    assert not isinstance(observe, type(jobadapter))


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        jobadapter.NoSuchName  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchName" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_import_jobadapter_alone_imports_no_submodule_but_observe() -> None:
    code = (
        "import sys, jobadapter; "
        "print(sorted(m for m in sys.modules if m.startswith('jobadapter.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(
        ["jobadapter.model", "jobadapter.observe", "jobadapter.status"]
    )
