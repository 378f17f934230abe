"""The ONNX Runtime adapter: any exported classifier (PyTorch's `torch.onnx.export`, tf2onnx, vendors' files).

The card says how the file is fed (model.registry.card: layout, pixel scaling, output kind); this adapter takes the
analysis frame's (N, S, S, C) 0-1 films, scales and transposes them as the model expects and turns its outputs into
probabilities. Spatial layers are the graph's own tensors (convolutions and their activations), read by a second
session that exposes them as outputs; gradients come from the TensorFlow translation of the graph
(model.network.onnx_tensorflow) where admission verified it against this runtime.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from model import config
from model.network.base import Capabilities


def scaling_arrays(scaling: str, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """(offset, scale) broadcasting over (..., C): model input = (x - offset) / scale."""
    offset, scale = (np.asarray(v, dtype=np.float32) for v in config.INPUT_SCALINGS[scaling])
    if channels == 1 and offset.size > 1:
        offset, scale = offset.mean(keepdims=True), scale.mean(keepdims=True)
    return offset, scale


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def session_options():
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # warnings about unused initialisers are not the user's concern
    return options


class OnnxNetwork:
    """An ONNX file behind the `Network` protocol, fed as its card says."""

    def __init__(self, path: Path, card, proto=None) -> None:
        import onnxruntime as ort

        self.path, self.card = Path(path), card
        self._session = ort.InferenceSession(str(self.path), session_options(), providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0]
        self._output = self._session.get_outputs()[0].name
        batch = self._input.shape[0]
        self._fixed_batch = batch if isinstance(batch, int) and batch > 0 else None
        self._offset, self._scale = scaling_arrays(card.scaling, card.channels)
        self._proto = proto
        self._lock = threading.Lock()
        self._layers: dict[str, int] | None = None  # tensor name -> its channel axis (1: NCHW, 3: NHWC)
        self._layer_session = None
        self._translation = None
        self.capabilities = Capabilities(
            backend="onnx",
            layers=True,
            gradients=card.gradients_verified,
            features=False,
            why_no_layers="the graph exposes no convolution with a spatial map",
            why_no_gradients=(
                "ONNX Runtime gives forward passes only, and this graph's TensorFlow translation was not verified "
                "at admission (see its card)"
            ),
        )

    # --- forward passes -------------------------------------------------------------------------------------
    @property
    def input_shape(self) -> tuple:
        return (None, self.card.input_size, self.card.input_size, self.card.channels)

    @property
    def output_width(self) -> int:
        return len(self.card.classes)

    def model_input(self, inputs: np.ndarray) -> np.ndarray:
        """The analysis frame's films as this model takes them: scaled, then transposed to NCHW if it wants."""
        x = (np.asarray(inputs, dtype=np.float32) - self._offset) / self._scale
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2) if self.card.layout == "NCHW" else x, dtype=np.float32)

    def _run(self, session, names: list[str], inputs: np.ndarray) -> list[np.ndarray]:
        """Run in chunks of the model's fixed batch (the last padded), or all at once for a dynamic batch."""
        feed = self.model_input(inputs)
        if self._fixed_batch is None or len(feed) == self._fixed_batch:
            return session.run(names, {self._input.name: feed})
        parts: list[list[np.ndarray]] = []
        for start in range(0, len(feed), self._fixed_batch):
            chunk = feed[start : start + self._fixed_batch]
            short = self._fixed_batch - len(chunk)
            if short:
                chunk = np.concatenate([chunk, np.repeat(chunk[-1:], short, axis=0)])
            parts.append([o[: len(chunk) - short] for o in session.run(names, {self._input.name: chunk})])
        return [np.concatenate([p[i] for p in parts]) for i in range(len(names))]

    def to_probabilities(self, outputs: np.ndarray) -> np.ndarray:
        outputs = np.asarray(outputs, dtype=np.float32).reshape(len(outputs), -1)
        return _softmax(outputs) if self.card.output == "logits" else outputs

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        if len(inputs) == 0:
            return np.empty((0, self.output_width), dtype=np.float32)
        return self.to_probabilities(self._run(self._session, [self._output], inputs)[0])

    def features_and_probabilities(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise ValueError("An ONNX model carries no features for the gate's feature space.")

    # --- layers ----------------------------------------------------------------------------------------------
    def proto(self):
        if self._proto is None:
            import onnx

            self._proto = onnx.load(str(self.path))
        return self._proto

    def _layer_table(self) -> dict[str, int]:
        """Every candidate tensor exposed as an output of a second session; one probe pass keeps the 4-D ones
        with a spatial map and finds each one's channel axis (exporters mix layouts: tf2onnx runs NCHW inside)."""
        with self._lock:
            if self._layers is not None:
                return self._layers
            import onnx
            import onnxruntime as ort

            extended = onnx.ModelProto()
            extended.CopyFrom(self.proto())
            graph = extended.graph
            known = {o.name for o in graph.output}
            names = [out for node in graph.node if node.op_type in config.ONNX_LAYER_OPS for out in node.output[:1]]
            for name in names:
                if name not in known:
                    graph.output.append(onnx.ValueInfoProto(name=name))
            session = ort.InferenceSession(
                extended.SerializeToString(), session_options(), providers=["CPUExecutionProvider"]
            )
            size = self.card.input_size
            probe = np.full((self._fixed_batch or 1, size, size, self.card.channels), 0.5, np.float32)
            shapes = self._run(session, names, probe) if names else []
            table: dict[str, int] = {}
            for name, value in zip(names, shapes):
                if value.ndim != 4:
                    continue
                _, a, b, c = value.shape
                if b == c and b > 1 and a != b:
                    table[name] = 1
                elif a == b and a > 1 and c != a:
                    table[name] = 3
                elif a == b == c and a > 1:
                    table[name] = 1 if self.card.layout == "NCHW" else 3
            self._layers, self._layer_session = table, session
            return table

    def spatial_layers(self) -> list[str]:
        return list(self._layer_table())

    def default_layer(self) -> str | None:
        """The last Conv output, as Keras' default is the last Conv2D (falling back to the last spatial tensor)."""
        convs = {n.output[0] for n in self.proto().graph.node if n.op_type == "Conv"}
        layers = self.spatial_layers()
        chosen = [name for name in layers if name in convs]
        return (chosen or layers or [None])[-1]

    def _channels_last(self, value: np.ndarray, layer: str) -> np.ndarray:
        return value.transpose(0, 2, 3, 1) if self._layer_table()[layer] == 1 else value

    def activations(self, inputs: np.ndarray, layer: str) -> np.ndarray:
        self._layer_table()
        value = self._run(self._layer_session, [layer], inputs)[0]
        return self._channels_last(value, layer).astype(np.float32)

    # --- gradients ---------------------------------------------------------------------------------------------
    def translation(self):
        """The TensorFlow translation of the graph, built on first use."""
        with self._lock:
            if self._translation is None:
                from model.network.onnx_gradients import OnnxGradients

                self._translation = OnnxGradients(self.proto(), self.card, self._input.name, self._output)
            return self._translation

    def layer_gradients(self, inputs, targets, layer):
        if not self.capabilities.gradients:
            raise ValueError(self.capabilities.why_no_gradients)
        self._layer_table()
        activations, grads, score = self.translation().layer_gradients(inputs, targets, layer)
        return self._channels_last(activations, layer), self._channels_last(grads, layer), score

    def input_gradients(self, inputs, targets):
        if not self.capabilities.gradients:
            raise ValueError(self.capabilities.why_no_gradients)
        return self.translation().input_gradients(inputs, targets)
