"""The rules the layout promises: the core never imports the UI or argparse, nothing imports tests, the method
catalog loads without TensorFlow and agrees with the shipped audit."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from model import config

ROOT = config.REPO_ROOT


def imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_core_imports_neither_streamlit_nor_argparse_nor_the_dashboard():
    for path in (ROOT / "model").rglob("*.py"):
        modules = imported_modules(path)
        assert not {m for m in modules if m.split(".")[0] in {"streamlit", "dashboard", "argparse", "tests"}}, path


def test_nothing_outside_tests_imports_from_tests():
    for folder in ("model", "dashboard", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            assert not {m for m in imported_modules(path) if m.split(".")[0] == "tests"}, path


def test_the_method_catalog_loads_without_tensorflow():
    code = "import sys, model.explain.catalog, model.explain; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.skipif(not config.EXPLANATION_QUALITY_PATH.is_file(), reason="no shipped explanation audit")
def test_catalog_sanity_marks_agree_with_the_shipped_audit():
    from model.explain.catalog import METHODS

    audit = json.loads(config.EXPLANATION_QUALITY_PATH.read_text())
    for name, summary in audit["methods"].items():
        passed = summary["sanity"]["mean_rank_correlation"] < config.SANITY_MAX_CORRELATION
        assert METHODS[name].passes_sanity == passed, name


def test_every_explainer_is_in_the_catalog():
    from model.explain.catalog import METHODS
    from model.explain.registry import EXPLAINERS

    assert set(EXPLAINERS) == set(METHODS)


# The core's layers, lowest first: a module may import from its own layer and the ones below, never above.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"config", "provenance", "text_safety", "synthetic", "marks", "local_process"}),
    frozenset({"image_io", "preprocessing", "lite"}),
    frozenset({"inference", "lite_export", "network"}),
    frozenset({"lungs", "input_recipe", "abnormality_head"}),
    frozenset({"overlay", "explain", "trust", "data", "registry"}),
    frozenset({"gate"}),
    frozenset({"analysis"}),
    frozenset({"serving"}),
    frozenset({"evaluation", "audit", "readings", "pacs"}),
    frozenset({"training", "registration"}),
)


def _unit(path) -> str:
    """The layer unit of a module under model/: its package (model/gate/x.py -> gate) or its own name."""
    return path.relative_to(ROOT / "model").with_suffix("").parts[0]


def test_no_import_runs_from_a_lower_layer_to_a_higher_one():
    rank = {unit: index for index, layer in enumerate(LAYERS) for unit in layer}
    files = [p for p in (ROOT / "model").rglob("*.py") if p.name != "__init__.py" or p.parent != ROOT / "model"]
    upward = []
    for path in files:
        unit = _unit(path)
        assert unit in rank, f"{unit} (from {path.relative_to(ROOT)}) has no layer: add it to LAYERS"
        for module in imported_modules(path):
            parts = module.split(".")
            if parts[0] != "model" or len(parts) < 2:
                continue
            if rank[parts[1]] > rank[unit]:
                upward.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not upward, "imports that run up the layers:\n" + "\n".join(upward)


def test_no_file_in_the_core_or_the_ui_is_long_without_saying_why():
    """~300 lines at most, unless the file's docstring says why it is longer ('Longer than usual because ...')."""
    long = []
    for folder in ("model", "dashboard"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            if text.count("\n") > 320 and "Longer than usual because" not in (ast.get_docstring(ast.parse(text)) or ""):
                long.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert not long, long


def test_the_dashboards_modules_import_in_no_circle():
    """Each dashboard module's imports (lazy ones too) form no circle: one module depends on another, never both
    ways (model_choice and resources used to import each other)."""
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for path in (ROOT / "dashboard").rglob("*.py")
    }
    graph = {name: {m for m in imported_modules(path) if m in modules and m != name} for name, path in modules.items()}
    circles = []

    def visit(node: str, trail: list[str]) -> None:
        for after in graph[node]:
            if after in trail:
                circles.append(" -> ".join([*trail[trail.index(after) :], after]))
            elif len(trail) < 12:
                visit(after, [*trail, after])

    for start in graph:
        visit(start, [start])
    assert not circles, sorted(set(circles))[:5]
