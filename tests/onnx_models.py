"""ONNX files for tests, built the two ways real ones arrive: written node by node with onnx.helper (as
`torch.onnx.export` writes them: NCHW, input 'input.1', dynamic batch) and exported from Keras through tf2onnx."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def _save(nodes, initialisers, inputs, output_width, path: Path, output: str = "probabilities") -> Path:
    graph = helper.make_graph(
        nodes,
        "test-model",
        inputs,
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch", output_width])],
        initializer=[numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in initialisers.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def image_input(size: int, channels: int = 1, name: str = "input.1"):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", channels, size, size])


def region_reader(
    path: Path,
    size: int = 64,
    region: tuple[int, int, int, int] = (32, 64, 32, 64),
    classes: int = 3,
    logits: bool = False,
    seed: int = 0,
    extra_op: str | None = None,
) -> Path:
    """A PyTorch-shaped CNN that reads only `region` (y0, y1, x0, x1) of the film: the input is multiplied by a
    constant mask before the convolutions, so nothing outside the region can change its answer. `extra_op` inserts
    an operator after the first activation (to build graphs the TensorFlow translation does not cover)."""
    rng = np.random.default_rng(seed)
    y0, y1, x0, x1 = region
    mask = np.zeros((1, 1, size, size), np.float32)
    mask[..., y0:y1, x0:x1] = 1.0
    weights = {
        "mask": mask,
        "w1": rng.normal(0, 0.5, (8, 1, 3, 3)),
        "b1": np.zeros(8),
        "w2": rng.normal(0, 0.3, (16, 8, 3, 3)),
        "b2": np.zeros(16),
        "fc": rng.normal(0, 1.0, (16, classes)),
        "fc_b": np.zeros(classes),
    }
    first = "relu1"
    nodes = [
        helper.make_node("Mul", ["input.1", "mask"], ["masked"]),
        helper.make_node("Conv", ["masked", "w1", "b1"], ["conv1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv1"], ["relu1"]),
    ]
    if extra_op:
        nodes.append(helper.make_node(extra_op, ["relu1"], ["extra"]))
        first = "extra"
    nodes += [
        helper.make_node("Conv", [first, "w2", "b2"], ["conv2"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv2"], ["relu2"]),
        helper.make_node("GlobalAveragePool", ["relu2"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc", "fc_b"], ["logits" if not logits else "probabilities"]),
    ]
    if not logits:
        nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1))
    return _save(nodes, weights, [image_input(size)], classes, path)


def no_spatial_layer(path: Path, size: int = 64, classes: int = 3) -> Path:
    """Pixels straight into a linear layer: nothing a CAM can read."""
    rng = np.random.default_rng(0)
    nodes = [
        helper.make_node("Flatten", ["input.1"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc", "fc_b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    weights = {"fc": rng.normal(0, 0.01, (size * size, classes)), "fc_b": np.zeros(classes)}
    return _save(nodes, weights, [image_input(size)], classes, path)


def two_inputs(path: Path, size: int = 64) -> Path:
    nodes = [
        helper.make_node("Add", ["input.1", "input.2"], ["sum"]),
        helper.make_node("GlobalAveragePool", ["sum"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["probabilities"], axis=1),
    ]
    return _save(nodes, {}, [image_input(size), image_input(size, name="input.2")], 1, path)


def foreign_domain(path: Path, size: int = 64) -> Path:
    """A graph with an operator from a domain no runtime here knows."""
    node = helper.make_node("FancyConv", ["input.1"], ["probabilities"], domain="com.example.vendor")
    graph = helper.make_graph(
        [node],
        "vendor",
        [image_input(size)],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3])],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.example.vendor", 1)]
    )
    onnx.save(model, str(path))
    return path


def external_data_outside(path: Path, size: int = 64) -> Path:
    """region_reader whose weights claim to live in a file outside the model's folder."""
    region_reader(path, size=size)
    model = onnx.load(str(path))
    tensor = next(t for t in model.graph.initializer if t.name == "w2")
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "../../etc/passwd"
    with open(path, "wb") as handle:
        handle.write(model.SerializeToString())
    return path


def keras_export(keras_model, path: Path) -> Path:
    """A Keras model exported to ONNX as its users would (Keras' own export, through tf2onnx): NHWC."""
    import numpy as np

    keras_model.predict(np.zeros((1, *keras_model.input_shape[1:]), np.float32), verbose=0)  # export wants a call
    keras_model.export(str(path), format="onnx", verbose=False)
    return path


def slow_model(path: Path, size: int = 512, depth: int = 24, width: int = 64) -> Path:
    """Valid, but hundreds of GFLOP per film: minutes of forward passes for one map."""
    rng = np.random.default_rng(0)
    weights = {"w0": rng.normal(0, 0.1, (width, 1, 3, 3)), "fc": rng.normal(0, 0.1, (width, 3)), "fc_b": np.zeros(3)}
    nodes = [helper.make_node("Conv", ["input.1", "w0"], ["c0"], pads=[1, 1, 1, 1])]
    for k in range(1, depth):
        weights[f"w{k}"] = rng.normal(0, 0.05, (width, width, 3, 3))
        nodes.append(helper.make_node("Conv", [f"c{k - 1}", f"w{k}"], [f"c{k}"], pads=[1, 1, 1, 1]))
    nodes += [
        helper.make_node("GlobalAveragePool", [f"c{depth - 1}"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc", "fc_b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    return _save(nodes, weights, [image_input(size)], 3, path)


def wide_model(path: Path, size: int = 512, width: int = 2048) -> Path:
    """One convolution 2,048 channels wide at 512 px: a 2 GB activation for one film."""
    rng = np.random.default_rng(0)
    weights = {"w0": rng.normal(0, 0.1, (width, 1, 3, 3)), "fc": rng.normal(0, 0.1, (width, 3)), "fc_b": np.zeros(3)}
    nodes = [
        helper.make_node("Conv", ["input.1", "w0"], ["c0"], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["c0"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc", "fc_b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    return _save(nodes, weights, [image_input(size)], 3, path)
