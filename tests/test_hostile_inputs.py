"""Every hostile input ends as a prediction, a gate refusal or a specific error: through the CLI and the dashboard.

The corpus (tests/hostile_corpus.py) is generated here, at test time. Nothing may end in a traceback, a hang or
memory far above the budget; a good upload after all of them still works.
"""

from __future__ import annotations

import json
import resource

import pytest

from model import config
from tests.conftest import requires_shipped_model
from tests.hostile_corpus import corpus
from tests.test_cli import run_script

GATE_SHIPPED = config.INPUT_GATE_PATH.is_file()
# Peak memory of one CLI run over the whole corpus (TensorFlow and both models take ~1 GB of it).
CLI_PEAK_RSS_MB = 3000


def _check(case, record: dict) -> None:
    if "error" in record:
        assert case.expect == "error", f"{case.name}: unexpected error {record['error']}"
        assert record["error"] and "Traceback" not in record["error"]
        return
    assert isinstance(record["warnings"], list)
    stopped = record["prediction"] is None
    if stopped:
        assert "probabilities" not in record and record["warnings"][0]["code"] == "not_a_chest_xray", case.name
    else:
        assert record["prediction"] in config.CLASS_NAMES, case.name
    if case.expect == "error":
        pytest.fail(f"{case.name}: expected a load error, got {record}")
    if case.expect == "stop" and GATE_SHIPPED:
        assert stopped, f"{case.name}: the gate should stop it, got {record.get('prediction')}"


@requires_shipped_model
def test_the_cli_survives_the_whole_corpus_in_one_batch(tmp_path):
    cases = corpus()
    assert len(cases) >= 60
    paths = []
    for index, case in enumerate(cases):
        path = tmp_path / f"{index:02d}_{case.name}"
        path.write_bytes(case.data)
        paths.append(path)
    result = run_script("predict.py", *map(str, paths), "--json")
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 1, "some inputs are refused, so the run says so"
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(p) for p in paths], "one record per input, in order"
    for case, record in zip(cases, records):
        _check(case, record)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < CLI_PEAK_RSS_MB, f"peak memory {peak_mb:.0f} MB"


@requires_shipped_model
def test_explain_cli_survives_the_corpus(tmp_path):
    cases = corpus()
    paths = []
    for index, case in enumerate(cases):
        path = tmp_path / "in" / f"{index:02d}_{case.name}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(case.data)
        paths.append(path)
    result = run_script("explain.py", *map(str, paths), "--out", str(tmp_path / "out"), "--json")
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(cases)
    for case, record in zip(cases, records):
        _check(case, record)
        if record.get("prediction") is not None:
            assert (tmp_path / "out").joinpath(record["overlay"]).is_file()


@requires_shipped_model
def test_the_dashboard_survives_the_corpus_and_still_works():
    from tests.test_dashboard import fresh_app, upload, xray_png

    at = fresh_app().run()
    for case in corpus():
        at.file_uploader(key="upload").upload(case.name, case.data, "application/octet-stream").run()
        assert not at.exception, (case.name, [e.value for e in at.exception])
        messages = " ".join(e.value for e in at.error)
        if case.expect == "error":
            assert "could not be used" in messages, case.name
        if case.expect == "stop" and GATE_SHIPPED:
            assert "does not look like a frontal chest X" in messages.replace("\\", ""), case.name
        for element in [*at.error, *at.markdown, *at.caption]:
            assert "![x](" not in element.value and "**bold**" not in element.value, "names are shown as text"
    upload(at, "chest.png", xray_png())
    assert not at.exception
    assert any(m.value.startswith("#### Prediction:") for m in at.markdown)
