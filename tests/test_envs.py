"""The conda envs (envs/*.yaml), checked offline.

No conda channel is reachable where this project is built and tested, so `--sdm conda` cannot be run here. What
breaks such a run for a user can still be checked from the files: an env that does not parse, an unpinned or
differently pinned package (the envs must reproduce the tested versions in constraints.txt), a rule without an
env, and an env that lacks a package its rules' scripts import, directly or through the xraylatent modules they
use. The rules come from the workflow itself, so rules added later are checked without changing this file.
"""

import ast
import re
import sys
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml
from conftest import DATA
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
ENVS = sorted((REPO / "envs").glob("*.yaml"))
# What `pip` installs with, not a dependency of the code; pinned by nothing.
INSTALLER = "pip"
# Pip options allowed in an env: where to find the CPU build of torch.
PIP_INDEX_OPTION = re.compile(r"^--extra-index-url \S+$")
# xarray reads and writes NetCDF through the package of the engine the code names.
XARRAY_ENGINES = {"netcdf4": "netCDF4", "h5netcdf": "h5netcdf", "scipy": "scipy"}


def normalise(name):
    """PEP 503 form, so `PyYAML`, `pyyaml` and `scikit_learn` / `scikit-learn` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def constraints():
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        name, version = line.split("==")
        pins[normalise(name)] = version
    return pins


def env_pins(env_file):
    """{normalised name: version} of an env's conda and pip packages; a ValueError names what is not pinned."""
    pins = {}
    for spec in yaml.safe_load(env_file.read_text())["dependencies"]:
        if isinstance(spec, dict):
            for pip_spec in spec["pip"]:
                if PIP_INDEX_OPTION.match(pip_spec):
                    continue
                match = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", pip_spec)
                if not match:
                    raise ValueError(f"pip entry {pip_spec!r} is not `name==version` (the library itself reaches "
                                     "scripts through Snakemake, see the env file's header)")
                pins[normalise(match[1])] = Version(match[2]).public  # 2.13.0+cpu is torch 2.13.0
        elif spec != INSTALLER:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==?([^=\s]+)", spec)
            if not match:
                raise ValueError(f"conda entry {spec!r} is not `name=version`")
            pins[normalise(match[1])] = match[2]
    return pins


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    """(name, env file or None, script or None) of every rule that runs something, from the loaded workflow."""
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(configfiles=[DATA / "tiny.yaml"]),
            snakefile=REPO / "Snakefile",
            workdir=tmp_path_factory.mktemp("envs"),
        )
        # The API has no public accessor for the parsed rules.
        loaded = [rule for rule in workflow._workflow.rules if not rule.norun]

    def resolve(rule, path):
        return (Path(str(rule.basedir)) / path).resolve() if path else None

    return [(rule.name, resolve(rule, rule.conda_env), resolve(rule, rule.script)) for rule in loaded]


@pytest.mark.parametrize("env_file", ENVS, ids=lambda p: p.name)
def test_env_pins_every_package_to_the_tested_version(env_file):
    pins = env_pins(env_file)
    python = pins.pop("python")
    requires = SpecifierSet(re.search(r'requires-python = "(.*)"', (REPO / "pyproject.toml").read_text())[1])
    assert Version(python) in requires
    tested = constraints()
    assert {name: version for name, version in pins.items() if tested.get(name) != version} == {}, (
        "pins differ from constraints.txt"
    )


def test_every_rule_has_an_existing_env(rules):
    assert rules, "no rules loaded"
    without = [name for name, env, _ in rules if env is None or not env.is_file()]
    assert without == [], "rules without a conda: env file"
    assert {env for _, env, _ in rules} <= set(ENVS)


def _module_file(module):
    """The source file of an xraylatent module (a package is its __init__.py), or None if it is no module."""
    base = SRC.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _direct_needs(path, module):
    """(modules imported, distributions named as xarray engines) by one file; ``module`` is its dotted name."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    imported, engines = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            imported.add(base)
            imported |= {f"{base}.{alias.name}" for alias in node.names if _module_file(f"{base}.{alias.name}")}
        elif isinstance(node, ast.keyword) and node.arg == "engine" and isinstance(node.value, ast.Constant):
            engines.add(XARRAY_ENGINES.get(node.value.value, node.value.value))
    return frozenset(imported), frozenset(engines)


@cache
def _distributions():
    """{top-level import name: [distribution names]} of the installed packages (sklearn → scikit-learn)."""
    return packages_distributions()


def third_party_needs(script):
    """{distribution: the file that needs it} for a script and the xraylatent modules it imports, transitively."""
    distributions = _distributions()
    needs, seen = {}, set()
    todo = [(script, "__main__")]
    while todo:
        path, module = todo.pop()
        imported, engines = _direct_needs(path, module)
        for name in engines:
            needs.setdefault(name, path)
        for name in imported:
            top = name.split(".")[0]
            if top == "xraylatent":
                parts = name.split(".")
                for depth in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__ too
                    parent = ".".join(parts[:depth])
                    source = _module_file(parent)
                    if source and parent not in seen:
                        seen.add(parent)
                        todo.append((source, parent))
            elif top not in sys.stdlib_module_names and top != "__future__":
                assert top in distributions, f"{path.relative_to(REPO)} imports {top}, which is not installed"
                needs.setdefault(distributions[top][0], path)
    return needs


def test_every_env_has_the_packages_its_scripts_import(rules):
    missing = []
    for name, env, script in rules:
        if script is None or script.suffix != ".py":
            continue
        pins = env_pins(env)
        for distribution, where in sorted(third_party_needs(script).items()):
            if normalise(distribution) not in pins:
                missing.append(f"rule {name}: {env.name} lacks {distribution} (imported by {where.relative_to(REPO)})")
    assert missing == [], "\n".join(missing)


def test_import_scan_follows_the_library():
    """The scan itself: a script that imports only xraylatent still needs what the library imports."""
    needs = third_party_needs(REPO / "scripts/plot_data.py")
    assert {"numpy", "xarray", "netCDF4", "matplotlib"} <= set(needs)
    assert needs["netCDF4"] == SRC / "xraylatent/io.py"
