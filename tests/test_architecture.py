"""What docs/architecture.md claims about the code: layered imports without circles, one script per rule
named after it, citations that point at files in the repository, and the documented rule graph."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import import_graph  # noqa: E402  (a development tool outside the installed package)


@pytest.fixture(scope="module")
def graph():
    return import_graph.import_graph()


def test_every_library_module_belongs_to_a_known_package(graph):
    modules, _ = graph
    assert {import_graph.package_of(m) for m in modules} == set(import_graph.LAYERS)


def test_imports_have_no_circles_and_never_run_up_a_floor(graph):
    modules, _ = graph
    assert import_graph.circles(modules) == []
    assert import_graph.upward_imports(modules) == []


def test_the_checks_see_a_circle_and_an_upward_import():
    """The checks themselves can fail: a planted circle and an import from engine up into models."""
    planted = {"xraylatent.engine.train": {"xraylatent.models.eca"},
               "xraylatent.models.eca": {"xraylatent.engine.train"}}
    assert set(import_graph.circles(planted)) == set(planted)
    assert import_graph.upward_imports(planted) == [("xraylatent.engine.train", "xraylatent.models.eca")]


def test_the_library_never_imports_snakemake_or_scripts(graph):
    _, external = graph
    assert import_graph.forbidden_imports(external) == []
    assert import_graph.forbidden_imports({"xraylatent.io": {"snakemake"}}) == [("xraylatent.io", "snakemake")]


def test_engine_needs_nothing_but_torch_and_the_standard_library(graph):
    modules, external = graph
    engine = [m for m in modules if import_graph.package_of(m) == "engine"]
    assert all(import_graph.package_of(b) == "engine" for m in engine for b in modules[m])
    assert set().union(*(external[m] for m in engine)) <= {"torch", "numpy", "__future__", "collections", "contextlib",
                                                          "copy", "dataclasses", "math"}


def _rules():
    """(rule, script stem or None) of every rule in rules/*.smk."""
    found = []
    for smk in sorted((REPO / "rules").glob("*.smk")):
        for block in re.split(r"^rule ", smk.read_text(), flags=re.M)[1:]:
            name = block.split(":", 1)[0].strip()
            script = re.search(r'script:\s*\n\s*"\.\./scripts/(\w+)\.py"', block)
            found.append((name, script[1] if script else None))
    return found


def test_every_rules_script_has_the_rules_name_and_every_script_has_a_rule():
    rules = _rules()
    assert len(rules) >= 20
    assert [(rule, script) for rule, script in rules if script is not None and script != rule] == []
    scripts = {p.stem for p in (REPO / "scripts").glob("*.py")}
    assert scripts == {script for _, script in rules if script}


def test_citations_point_at_files_of_the_repository():
    """Code and docs cite docs/*.md, never ../shared; every method.md § cited exists as a section."""
    texts = {p: p.read_text() for folder in ("src", "scripts", "rules", "docs", "tools", "config", "report")
             for p in (REPO / folder).rglob("*") if p.suffix in (".py", ".smk", ".md", ".yaml", ".rst")}
    texts[REPO / "README.md"] = (REPO / "README.md").read_text()
    assert [str(p) for p, text in texts.items() if "../shared" in text] == []
    cited = {m for text in texts.values() for m in re.findall(r"docs/([\w-]+\.md)", text)}
    assert cited and all((REPO / "docs" / name).is_file() for name in cited), cited
    sections = set(re.findall(r"^## (\d+)\.", (REPO / "docs/method.md").read_text(), flags=re.M))
    for path, text in texts.items():
        for group in re.findall(r"method\.md,? §([\d–, §]+)", text):
            for number in re.findall(r"\d+", group):
                assert number in sections, f"{path} cites method.md §{number}"


def _mermaid_edges(text: str) -> set[tuple[str, str]]:
    return set(re.findall(r"^\s*(\w+) --> (\w+)\s*$", text, flags=re.M))


@pytest.mark.slow
def test_the_documented_rule_graph_is_the_workflows():
    # The default data sets and the tiny config's synthetic ones: together they use every rule.
    out = subprocess.run([sys.executable, "-m", "snakemake", "--rulegraph", "mermaid-js", "--configfile",
                          "config/config.yaml", "tests/data/tiny.yaml"], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout
    names = dict(re.findall(r"^\s*(id\d+)\[(\w+)\]", out, flags=re.M))
    actual = {(names[a], names[b]) for a, b in re.findall(r"^\s*(id\d+) --> (id\d+)", out, flags=re.M)}
    documented = _mermaid_edges((REPO / "docs/architecture.md").read_text().split("```mermaid", 1)[1].split("```")[0])
    assert documented == actual
