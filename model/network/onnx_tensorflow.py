"""An ONNX graph run as TensorFlow operations, so an ONNX model gets gradients for the Grad-CAM family.

ONNX Runtime gives forward passes only. onnx2tf, the converter on the registry, pins TensorFlow 2.19, NumPy 1.26 and
legacy tf_keras (measured: `pip install --dry-run onnx2tf`), none of which this project can take. A classifier's
graph uses a few dozen operators, so each is translated here in a line or two with ONNX's own semantics (NCHW kept;
convolutions and pools transposed around TensorFlow's channels-last kernels). A translation is only trusted after
admission has compared it with ONNX Runtime on real inputs (model.registry.onnx_admission); an operator outside this
table makes the graph forward-only, with the operator named.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf


class UnsupportedGraph(ValueError):
    """The graph uses an operator or attribute this translation does not cover; the message names it."""


def _attrs(node) -> dict[str, object]:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _static(value) -> np.ndarray:
    """A constant input (an initializer or a folded shape) as NumPy; a computed tensor is refused."""
    if isinstance(value, np.ndarray):
        return value
    if tf.is_tensor(value) and not tf.executing_eagerly():
        raise UnsupportedGraph("a shape that is computed inside a traced graph")
    return np.asarray(value)


def _nhwc(x):
    return tf.transpose(x, (0, 2, 3, 1))


def _nchw(x):
    return tf.transpose(x, (0, 3, 1, 2))


def _pads(attrs: dict, x_nhwc, fill: float = 0.0):
    """ONNX explicit pads [top, left, bottom, right] applied in NHWC; returns (tensor, TensorFlow padding)."""
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if auto in ("SAME_UPPER",):
        return x_nhwc, "SAME"
    if auto == "SAME_LOWER":
        raise UnsupportedGraph("auto_pad SAME_LOWER")
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    if len(pads) != 4:
        raise UnsupportedGraph("padding of a non-2-D operator")
    top, left, bottom, right = pads
    if any(pads):
        x_nhwc = tf.pad(x_nhwc, [[0, 0], [top, bottom], [left, right], [0, 0]], constant_values=fill)
    return x_nhwc, "VALID"


def _conv(node, attrs, x, w, b=None):
    if len(w.shape) != 4:
        raise UnsupportedGraph("a convolution that is not 2-D")
    strides = list(attrs.get("strides", [1, 1]))
    dilations = list(attrs.get("dilations", [1, 1]))
    group = int(attrs.get("group", 1))
    xt, padding = _pads(attrs, _nhwc(x))
    w = tf.convert_to_tensor(w, tf.float32)
    out_channels, per_group, kh, kw = (int(d) for d in w.shape)
    if group == 1:
        y = tf.nn.conv2d(xt, tf.transpose(w, (2, 3, 1, 0)), [1, *strides, 1], padding, dilations=[1, *dilations, 1])
    elif per_group == 1 and out_channels % group == 0:  # depthwise (MobileNet, EfficientNet)
        kernel = tf.transpose(tf.reshape(w, (group, out_channels // group, kh, kw)), (2, 3, 0, 1))
        if strides[0] != strides[1]:
            raise UnsupportedGraph("a depthwise convolution with unequal strides")
        y = tf.nn.depthwise_conv2d(xt, kernel, [1, *strides, 1], padding, dilations=dilations)
    else:
        raise UnsupportedGraph(f"a grouped convolution ({group} groups)")
    if b is not None:
        y = y + tf.convert_to_tensor(b, tf.float32)
    return [_nchw(y)]


def _pool(kind: str):
    def run(node, attrs, x):
        if attrs.get("ceil_mode", 0):
            raise UnsupportedGraph(f"{node.op_type} with ceil_mode")
        if any(d != 1 for d in attrs.get("dilations", [1, 1])):
            raise UnsupportedGraph(f"{node.op_type} with dilations")
        kernel = list(attrs["kernel_shape"])
        strides = list(attrs.get("strides", [1, 1]))
        if kind == "max":
            xt, padding = _pads(attrs, _nhwc(x), fill=-3.4e38)
            return [_nchw(tf.nn.max_pool2d(xt, kernel, strides, padding))]
        if any(attrs.get("pads", [0])) and not attrs.get("count_include_pad", 0):
            raise UnsupportedGraph("AveragePool with padding that is not counted")
        xt, padding = _pads(attrs, _nhwc(x))
        return [_nchw(tf.nn.avg_pool2d(xt, kernel, strides, padding))]

    return run


def _batch_norm(node, attrs, x, scale, bias, mean, var):
    epsilon = float(attrs.get("epsilon", 1e-5))
    shape = (1, -1) + (1,) * (len(x.shape) - 2)
    factor = tf.reshape(tf.convert_to_tensor(scale / np.sqrt(var + epsilon), tf.float32), shape)
    return [(x - tf.reshape(tf.convert_to_tensor(mean, tf.float32), shape)) * factor + tf.reshape(bias, shape)]


def _gemm(node, attrs, a, b, c=None):
    a = tf.transpose(a) if attrs.get("transA", 0) else a
    b = tf.transpose(b) if attrs.get("transB", 0) else b
    y = float(attrs.get("alpha", 1.0)) * tf.matmul(a, tf.convert_to_tensor(b, tf.float32))
    return [y if c is None else y + float(attrs.get("beta", 1.0)) * tf.convert_to_tensor(c, tf.float32)]


def _reshape(node, attrs, x, shape):
    target = [int(v) for v in _static(shape)]
    if not attrs.get("allowzero", 0):
        dims = tf.shape(x)
        target = [dims[i] if v == 0 else v for i, v in enumerate(target)]
    return [tf.reshape(x, tf.stack([tf.cast(v, tf.int32) for v in target]))]


def _flatten(node, attrs, x):
    axis = int(attrs.get("axis", 1))
    return [tf.reshape(x, tf.stack([tf.reduce_prod(tf.shape(x)[:axis]), -1]))]


def _axes(attrs, extra) -> list[int] | None:
    if extra:
        return [int(v) for v in _static(extra[0])]
    return list(attrs["axes"]) if "axes" in attrs else None


def _squeeze(node, attrs, x, *extra):
    axes = _axes(attrs, extra)
    return [tf.squeeze(x, axis=axes)]


def _unsqueeze(node, attrs, x, *extra):
    for axis in sorted(_axes(attrs, extra) or []):
        x = tf.expand_dims(x, axis)
    return [x]


def _softmax(node, attrs, x):
    return [tf.nn.softmax(x, axis=int(attrs.get("axis", -1)))]


def _clip(node, attrs, x, low=None, high=None):
    low = attrs.get("min", low)
    high = attrs.get("max", high)
    if low is not None:
        x = tf.maximum(x, tf.cast(low, x.dtype))
    if high is not None:
        x = tf.minimum(x, tf.cast(high, x.dtype))
    return [x]


def _reduce_mean(node, attrs, x, *extra):
    axes = _axes(attrs, extra)
    return [tf.reduce_mean(x, axis=axes, keepdims=bool(attrs.get("keepdims", 1)))]


def _constant(node, attrs):
    import onnx

    if "value" not in attrs:
        raise UnsupportedGraph("a Constant that is not a tensor")
    return [onnx.numpy_helper.to_array(attrs["value"])]


def _cast(node, attrs, x):
    import onnx

    dtype = onnx.helper.tensor_dtype_to_np_dtype(int(attrs["to"]))
    return [tf.cast(x, tf.as_dtype(dtype))]


def _binary(function: Callable) -> Callable:
    def run(node, attrs, a, b):
        if tf.is_tensor(a) or tf.is_tensor(b):
            dtype = a.dtype if tf.is_tensor(a) else b.dtype
            a, b = tf.cast(a, dtype), tf.cast(b, dtype)
        return [function(a, b)]

    return run


OPERATORS: dict[str, Callable] = {
    "Conv": _conv,
    "BatchNormalization": _batch_norm,
    "Relu": lambda n, a, x: [tf.nn.relu(x)],
    "LeakyRelu": lambda n, a, x: [tf.nn.leaky_relu(x, alpha=float(a.get("alpha", 0.01)))],
    "Sigmoid": lambda n, a, x: [tf.sigmoid(x)],
    "Tanh": lambda n, a, x: [tf.tanh(x)],
    "Clip": _clip,
    "Softmax": _softmax,
    "MaxPool": _pool("max"),
    "AveragePool": _pool("average"),
    "GlobalAveragePool": lambda n, a, x: [tf.reduce_mean(x, axis=(2, 3), keepdims=True)],
    "GlobalMaxPool": lambda n, a, x: [tf.reduce_max(x, axis=(2, 3), keepdims=True)],
    "Gemm": _gemm,
    "MatMul": lambda n, a, x, y: [tf.matmul(x, tf.convert_to_tensor(y, tf.float32))],
    "Add": _binary(tf.add),
    "Sub": _binary(tf.subtract),
    "Mul": _binary(tf.multiply),
    "Div": _binary(tf.divide),
    "Reshape": _reshape,
    "Flatten": _flatten,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Transpose": lambda n, a, x: [tf.transpose(x, a.get("perm"))],
    "Concat": lambda n, a, *xs: [tf.concat(list(xs), axis=int(a["axis"]))],
    "Identity": lambda n, a, x: [x],
    "Dropout": lambda n, a, x, *rest: [x],
    "Constant": _constant,
    "Shape": lambda n, a, x: [tf.shape(x, out_type=tf.int64)],
    "Gather": lambda n, a, x, i: [tf.gather(x, i, axis=int(a.get("axis", 0)))],
    "Cast": _cast,
    "ReduceMean": _reduce_mean,
}


class TensorflowGraph:
    """An ONNX graph callable on TensorFlow tensors: `run(feeds, wanted)` gives the named tensors, recorded on any
    GradientTape around it."""

    def __init__(self, proto) -> None:
        import onnx

        self.graph = proto.graph
        missing = sorted(
            {n.op_type for n in self.graph.node if n.op_type not in OPERATORS or n.domain not in ("", "ai.onnx")}
        )
        if missing:
            raise UnsupportedGraph(f"operator {', '.join(missing[:5])}")
        self.constants = {t.name: onnx.numpy_helper.to_array(t) for t in self.graph.initializer}
        self._attrs = [_attrs(node) for node in self.graph.node]

    def run(self, feeds: dict[str, tf.Tensor], wanted: list[str]) -> list[tf.Tensor]:
        values: dict[str, object] = {**self.constants, **feeds}
        remaining = set(wanted)
        for node, attrs in zip(self.graph.node, self._attrs):
            inputs = [values[name] if name else None for name in node.input]
            while inputs and inputs[-1] is None:
                inputs.pop()
            outputs = OPERATORS[node.op_type](node, attrs, *inputs)
            for name, value in zip(node.output, outputs):
                values[name] = value
                remaining.discard(name)
            if not remaining:
                break
        return [tf.convert_to_tensor(values[name]) for name in wanted]
