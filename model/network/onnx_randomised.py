"""The randomisation sanity check's copy of an ONNX network: its last convolution and dense weights re-drawn.

As for Keras (model.trust.sanity.randomised_copy): He-normal kernels, zero biases, in the last `top_layers` Conv,
Gemm and MatMul nodes with constant weights. The copy is written to a temporary file (ONNX Runtime loads files)
that is removed when the process ends.
"""

from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path

import numpy as np

WEIGHTED_OPS = ("Conv", "Gemm", "MatMul")


def _fan_in(node, weight: np.ndarray) -> int:
    if node.op_type == "Conv":
        return int(np.prod(weight.shape[1:]))
    transposed = node.op_type == "Gemm" and any(a.name == "transB" and a.i for a in node.attribute)
    return int(weight.shape[1] if transposed else weight.shape[0])


def randomised_onnx(network, top_layers: int, seed: int):
    import onnx
    from onnx import numpy_helper

    from model.network.onnx_network import OnnxNetwork

    proto = onnx.ModelProto()
    proto.CopyFrom(network.proto())
    initialisers = {t.name: t for t in proto.graph.initializer}
    weighted = [
        n for n in proto.graph.node if n.op_type in WEIGHTED_OPS and len(n.input) > 1 and n.input[1] in initialisers
    ]
    rng = np.random.default_rng(seed)
    for node in weighted[-top_layers:]:
        weight = numpy_helper.to_array(initialisers[node.input[1]])
        fresh = rng.normal(0.0, np.sqrt(2.0 / max(_fan_in(node, weight), 1)), weight.shape).astype(weight.dtype)
        initialisers[node.input[1]].CopyFrom(numpy_helper.from_array(fresh, node.input[1]))
        if len(node.input) > 2 and node.input[2] in initialisers:
            bias = numpy_helper.to_array(initialisers[node.input[2]])
            initialisers[node.input[2]].CopyFrom(numpy_helper.from_array(np.zeros_like(bias), node.input[2]))
    handle, name = tempfile.mkstemp(suffix=".onnx", prefix="randomised-")
    os.close(handle)
    atexit.register(lambda: Path(name).unlink(missing_ok=True))
    onnx.save(proto, name)
    return OnnxNetwork(Path(name), network.card, proto)
