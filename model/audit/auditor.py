"""The models' side of an audit: one object holds the classifier, lung segmenter and gate, and audits batches.

Ray's actor pool builds one `FilmAuditor` per worker (the models load once, not per film); the one-process loop in
scripts/benchmark_archive.py calls the same object directly. Each batch goes through the same `explain_images` as
the dashboard and scripts/predict.py, so an audit's prediction for a film is the one a person would see.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model import config
from model.analysis import AnalysisRequest
from model.audit.decode import RASTER_COLUMNS
from model.audit.schema import DECODED_COLUMNS, DEVICE_COLUMNS, MethodColumns, empty_answer, probability_column
from model.gate.features import PreparedFilm


class FilmAuditor:
    """Callable on a decoded batch (column dict); returns one output row per input row, errors kept as rows."""

    def __init__(
        self,
        thumbnails: str | None = None,
        methods: tuple[str, ...] = config.AUDIT_METHODS,
        with_faithfulness: bool = False,
        threads: int | None = None,
        model: str | None = None,
    ) -> None:
        if threads:  # one worker per core: TensorFlow's own thread pools would otherwise fight over the cores
            import tensorflow as tf

            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        from model.lungs import optional_segmenter
        from model.registry import load_registered, resolve
        from model.serving.model_pool import gate_for

        entry = resolve(model)  # a registry id or a Keras file; None = the default model
        self.classifier = load_registered(entry)
        self.segmenter = optional_segmenter()
        self.gate = gate_for(entry)
        self.methods = tuple(methods)
        self.with_faithfulness = with_faithfulness
        self.thumbnails = Path(thumbnails) if thumbnails else None
        if self.thumbnails:
            self.thumbnails.mkdir(parents=True, exist_ok=True)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        rows = self.audit(batch)
        return {key: np.array([row[key] for row in rows]) for key in rows[0]} if rows else {}

    def audit(self, batch: dict[str, np.ndarray]) -> list[dict[str, object]]:
        count = len(batch["path"])
        rows = [{key: _plain(batch[key][i]) for key in DECODED_COLUMNS} for i in range(count)]
        for row, i in zip(rows, range(count)):
            row.update({key: _plain(batch[key][i]) for key in DEVICE_COLUMNS})
            row.update(empty_answer(self.methods, self.classifier.classes))
            row.update({"model": self.classifier.id, "model_sha256": self.classifier.card.sha256})
        good = [i for i in range(count) if not batch["error"][i]]
        if not good:
            return rows
        films = [
            PreparedFilm(
                np.asarray(batch["model_input"][i], np.float32),
                {column: float(batch[column][i]) for column in RASTER_COLUMNS},
            )
            for i in good
        ]
        for method in self.methods:
            key = AnalysisRequest(method, with_faithfulness=self.with_faithfulness)
            analyses = key.explain(self.classifier, films, self.segmenter, self.gate)
            for i, analysis in zip(good, analyses):
                rows[i].update(self._answer(analysis, rows[i], method, first=method == self.methods[0]))
        return rows

    def _answer(self, analysis, row: dict[str, object], method: str, first: bool) -> dict[str, object]:
        from model.lungs import plausible_lung_mask

        found: dict[str, object] = {}
        if first:
            prediction = analysis.prediction
            found["prediction"] = prediction.label if prediction is not None else ""
            for name in self.classifier.classes:
                found[probability_column(name)] = (
                    float(prediction.probabilities[name]) if prediction is not None else float("nan")
                )
            has_head = prediction is not None and prediction.abnormality is not None
            found["abnormality"] = float(prediction.abnormality) if has_head else float("nan")
            hidden = prediction.lungs_hidden if prediction is not None else None
            found["lungs_hidden_prediction"] = hidden.label if hidden is not None else ""
            survives = prediction.survives_lungs_hidden if prediction is not None else None
            found["survives_lungs_hidden"] = "" if survives is None else ("yes" if survives else "no")
            found["warning_codes"] = ";".join(w.code for w in analysis.warnings)
            found["warnings"] = " ".join(w.message for w in analysis.warnings)
            mask = analysis.lung_mask
            found["lung_fraction"] = float(mask.mean()) if mask is not None else float("nan")
            found["lung_mask_plausible"] = bool(mask is not None and plausible_lung_mask(mask))
        if analysis.heatmap is None:
            return found
        verdicts = analysis.verdicts()
        columns = MethodColumns(method)
        found[columns.lung_share] = float("nan") if analysis.lung_share is None else float(analysis.lung_share)
        found[columns.level] = verdicts["lung_share"].level
        if analysis.faithfulness is not None:
            found[columns.faithfulness_margin] = float(analysis.faithfulness.score - analysis.faithfulness.random_score)
        if self.thumbnails is not None:
            found[columns.thumbnail] = self._thumbnail(analysis, str(row["sha256"]), method)
        return found

    def _thumbnail(self, analysis, sha256: str, method: str) -> str:
        """The overlay at the network's resolution, named by content hash: the same film is drawn once."""
        import cv2

        from model.overlay import render

        name = f"{sha256[:20]}_{method}.png"
        picture = render(analysis.model_input[..., 0], analysis.heatmap, lung_mask=analysis.lung_mask)
        cv2.imwrite(str(self.thumbnails / name), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
        return name


def _plain(value: object) -> object:
    """numpy scalars to Python ones, so every row has the same plain types."""
    return value.item() if isinstance(value, np.generic) else value
