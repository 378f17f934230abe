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
