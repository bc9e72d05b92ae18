"""``jobadapter new-plugin NAME``: a working plugin package, copied from the core's template.

The template (``jobadapter/templates/plugin/``, shipped as package data) is
a complete plugin whose ``make test`` passes as generated: an adapter with a
status table, a provider, a simulator, the contract suite, a cassette-backed
test and a discovery test. Template files end in ``.tmpl`` (so the core's
linters and test runs leave them alone) and hold ``{{placeholders}}``; a
``__package__`` folder becomes the plugin's package.

The generated Makefile installs the core from the checkout this command runs
from (``--core``; by default the source tree of an editable install), so a
plugin can be built against an unreleased core without any package index
serving it; with no checkout it installs ``jobadapter`` from the index.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Iterator
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import attrs
import click

import jobadapter
from jobadapter.cli.output import echo_json, json_option
from jobadapter.hookspecs import HOOK_API_VERSION

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

TEMPLATE_SUFFIX = ".tmpl"
PACKAGE_DIR = "__package__"
#: Template names that become dot files (package data globs skip dot files).
DOT_FILES = {"gitignore": ".gitignore"}

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_WORD = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_CORE_NAME = re.compile(r'(?m)^name\s*=\s*"jobadapter"\s*$')
#: Longest NAME, and longest provider + kind: longer names would not fit the
#: generated code in 100 columns (the template is checked with names this long).
MAX_NAME = 32
#: Provider names the core registers itself.
RESERVED_PROVIDERS = frozenset({"generic"})


class TemplateError(click.ClickException):
    """The plugin cannot be generated as asked (exit code 2, like other usage errors)."""

    exit_code = 2


@attrs.frozen
class PluginNames:
    """Every name a generated plugin uses, derived from NAME, provider and kind."""

    name: str
    provider: str
    kind: str

    @property
    def package(self) -> str:
        return f"jobadapter_{self.name}"

    @property
    def distribution(self) -> str:
        return f"jobadapter-{self.provider}-{self.kind}".replace("_", "-")

    @property
    def adapter(self) -> str:
        return f"{self.provider}.{self.kind}"

    @property
    def adapter_class(self) -> str:
        return _camel(f"{self.provider}_{self.kind}")

    @property
    def provider_class(self) -> str:
        return _camel(self.provider)


def _camel(word: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in word.split("_"))


def _word(value: str, what: str) -> str:
    normalised = value.strip().lower().replace("-", "_")
    if not _WORD.match(normalised):
        raise TemplateError(
            f"{what} {value!r} must be lower-case letters and digits, words joined by '_' or '-', "
            "starting with a letter (e.g. acme_export)"
        )
    return normalised


def plugin_names(name: str, *, provider: str | None = None, kind: str | None = None) -> PluginNames:
    """NAME, and the provider and job kind (by default read from NAME: ``acme_export``
    is provider ``acme``, kind ``export``; a one-word NAME is that provider's ``job``)."""
    plugin = _word(name, "NAME")
    prov = _word(provider, "--provider") if provider else plugin.split("_")[0]
    if kind:
        job_kind = _word(kind, "--kind")
    elif plugin == prov:
        job_kind = "job"
    elif plugin.startswith(prov + "_"):
        job_kind = plugin[len(prov) + 1 :]
    else:
        job_kind = plugin
    if len(plugin) > MAX_NAME or len(prov) + len(job_kind) > MAX_NAME:
        raise TemplateError(
            f"NAME and provider + kind may have at most {MAX_NAME} characters each; "
            "choose shorter names"
        )
    if prov in RESERVED_PROVIDERS:
        raise TemplateError(
            f"provider {prov!r} is the core's own; name the provider your plugin talks to "
            "(--provider acme)"
        )
    return PluginNames(name=plugin, provider=prov, kind=job_kind)


def core_checkout() -> Path | None:
    """The source checkout of the running jobadapter, when it runs from one (editable install)."""
    package = Path(jobadapter.__file__).resolve().parent
    root = package.parent.parent
    pyproject = root / "pyproject.toml"
    if package.parent.name != "core" or not pyproject.is_file():
        return None
    return root if _CORE_NAME.search(pyproject.read_text(encoding="utf-8")) else None


def _check_core(path: Path) -> Path:
    root = path.expanduser().resolve()
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file() or not _CORE_NAME.search(pyproject.read_text(encoding="utf-8")):
        raise TemplateError(
            f"--core {path}: no jobadapter checkout there (expected a pyproject.toml with "
            'name = "jobadapter")'
        )
    return root


def template_values(names: PluginNames, core: Path | None) -> dict[str, str]:
    """What each ``{{placeholder}}`` becomes."""
    version = jobadapter.__version__
    return {
        "name": names.name,
        "provider": names.provider,
        "provider_env": names.provider.upper(),
        "kind": names.kind,
        "package": names.package,
        "distribution": names.distribution,
        "adapter": names.adapter,
        "Class": names.adapter_class,
        "ProviderClass": names.provider_class,
        "api_version": HOOK_API_VERSION,
        "core_requirement": f"jobadapter>={version}",
        "core_path": str(core) if core is not None else "",
    }


def render(text: str, values: dict[str, str], *, where: str) -> str:
    """``text`` with every ``{{key}}`` replaced; an unknown key is a template bug."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise TemplateError(f"template {where}: unknown placeholder {{{{{key}}}}}")
        return values[key]

    return _PLACEHOLDER.sub(value, text)


def template_root() -> Traversable:
    return resources.files("jobadapter") / "templates" / "plugin"


def template_files(
    root: Traversable | None = None, prefix: PurePosixPath | None = None
) -> Iterator[tuple[PurePosixPath, Traversable]]:
    """``(path inside the template, file)`` for every ``.tmpl`` file, sorted."""
    base = template_root() if root is None else root
    here = prefix or PurePosixPath()
    for item in sorted(base.iterdir(), key=lambda t: t.name):
        if item.is_dir():
            if item.name != "__pycache__":
                yield from template_files(item, here / item.name)
        elif item.name.endswith(TEMPLATE_SUFFIX):
            yield here / item.name, item


def output_path(template_path: PurePosixPath, names: PluginNames) -> PurePosixPath:
    """Where a template file lands in the plugin: ``.tmpl`` dropped, the package named."""
    parts = [names.package if part == PACKAGE_DIR else part for part in template_path.parts]
    parts[-1] = parts[-1][: -len(TEMPLATE_SUFFIX)]
    if len(parts) == 1:
        parts[0] = DOT_FILES.get(parts[0], parts[0])
    return PurePosixPath(*parts)


def generate(names: PluginNames, dest: Path, *, core: Path | None) -> list[Path]:
    """Write the plugin into ``dest`` (which must not exist or be empty); the files written."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise TemplateError(f"{dest} already exists and is not empty; choose another --dir")
    values = template_values(names, core)
    rendered = [
        (
            dest / output_path(path, names),
            render(item.read_text(encoding="utf-8"), values, where=str(path)),
        )
        for path, item in template_files()
    ]
    if not rendered:
        raise TemplateError("the plugin template is missing from this jobadapter installation")
    for target, text in rendered:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return [target for target, _ in rendered]


def installed_providers() -> dict[str, str]:
    """Provider name -> the installed plugin that registers it (best effort)."""
    from jobadapter.errors import JobAdapterError
    from jobadapter.plugins import PluginHost

    try:
        host = PluginHost()
    except JobAdapterError:
        return {}
    return {
        name: host.registry.owners.get(("provider", name)) or "?"
        for name in host.registry.providers
    }


def free_provider(names: PluginNames, taken: Collection[str]) -> str:
    """A provider name no installed plugin registers: ``<provider>_<first word of kind>``,
    else NAME, else the provider numbered."""
    first = names.kind.split("_")[0]
    candidates = [f"{names.provider}_{first}", names.name]
    candidates += [f"{names.provider}{n}" for n in range(2, 100)]
    return next(
        c
        for c in candidates
        if c not in taken and c not in RESERVED_PROVIDERS and len(c) + len(names.kind) <= MAX_NAME
    )


def interactive() -> bool:
    """Whether someone at a terminal can answer a question."""
    return sys.stdin.isatty()


def reuse_hint(provider: str, owner: str) -> str:
    """How to use an installed provider instead of the generated one."""
    return (
        f"To reuse the installed {provider!r} provider (plugin {owner!r}) instead: depend on "
        f"that plugin's distribution, set provider = {provider!r} on the adapter class, and "
        "delete provider.py and the register_providers hook from plugin.py."
    )


@click.command("new-plugin")
@click.argument("name")
@click.option("--provider", help="Provider name (default: NAME's first word).")
@click.option("--kind", help="Job kind (default: the rest of NAME, else 'job').")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="The plugin's folder (created; empty if it exists). Default: ./<distribution>.",
)
@click.option(
    "--core",
    type=click.Path(file_okay=False, path_type=Path),
    help="jobadapter checkout the plugin's Makefile installs the core from "
    "(default: this jobadapter's source tree if it is one, else the package index).",
)
@json_option
def new_plugin_command(
    name: str,
    provider: str | None,
    kind: str | None,
    directory: Path | None,
    core: Path | None,
    as_json: bool,
) -> None:
    """Create a working plugin package NAME: adapter, provider, simulator, tests.

    A provider name an installed plugin already registers is not used: you are
    asked for another (a free one is offered), or, without a terminal, the free
    one is taken; the output says how to reuse the installed provider instead.

    \b
    Example:
      jobadapter new-plugin acme_export --dir ~/src/jobadapter-acme-export
      cd ~/src/jobadapter-acme-export && make test
    """
    names = plugin_names(name, provider=provider, kind=kind)
    taken = installed_providers()
    if names.provider in taken:
        wanted, owner = names.provider, taken[names.provider]
        if provider is not None:
            raise TemplateError(
                f"--provider {provider!r} is registered by installed plugin {owner!r}: two "
                "plugins cannot register one provider. Choose another --provider. "
                + reuse_hint(names.provider, owner)
            )
        free = free_provider(names, taken)
        if interactive():
            chosen = click.prompt(
                f"provider {names.provider!r} is registered by installed plugin {owner!r}; "
                "provider name for this plugin",
                default=free,
            )
        else:
            chosen = free
        names = plugin_names(name, provider=chosen, kind=names.kind)
        if names.provider in taken:
            raise TemplateError(f"provider {names.provider!r} is taken too; choose another")
        click.echo(
            f"provider {names.provider!r}, not {wanted!r}: installed plugin {owner!r} already "
            "registers that name. " + reuse_hint(wanted, owner),
            err=as_json,  # under --json, stdout carries only the JSON
        )
    core_path = _check_core(core) if core is not None else core_checkout()
    dest = directory if directory is not None else Path(names.distribution)
    files = generate(names, dest, core=core_path)
    if as_json:
        echo_json(
            {
                "directory": str(dest),
                "files": [str(f) for f in files],
                "adapter": names.adapter,
                "distribution": names.distribution,
                "entry_point": names.name,
                "core": str(core_path) if core_path is not None else None,
            }
        )
        return
    click.echo(
        f"created {dest} ({len(files)} files): adapter {names.adapter}, "
        f"distribution {names.distribution}, entry point {names.name}"
    )
    where = str(core_path) if core_path is not None else "the package index"
    click.echo(f"the Makefile installs the jobadapter core from {where}")
    click.echo(f"next: cd {dest} && make test")


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(new_plugin_command)
