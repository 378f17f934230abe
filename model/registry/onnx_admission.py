"""Whether an ONNX file can be explained here: each way it cannot gets one sentence, never a traceback.

Checked in the order a person would fix them: the file (size, that it parses as ONNX, external data inside its own
folder, operator domains a runtime knows), its one image input (layout NCHW or NHWC, square, 1 or 3 channels), its
one output as wide as the classes, one real forward pass (probabilities where the card says so), a spatial layer
for the CAMs, and finally whether its TensorFlow translation agrees with ONNX Runtime, which decides whether the
gradient methods are offered (a model that fails only this keeps every forward-pass method).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from model import config
from model.registry.admission import ModelRefused, check_size
from model.registry.card import ModelCard

KNOWN_DOMAINS = ("", "ai.onnx", "ai.onnx.ml")


@dataclass(frozen=True)
class OnnxInput:
    """What the file's one input says about itself; None where a dimension is dynamic."""

    name: str
    layout: str
    size: int | None
    channels: int


def load_proto(path: Path):
    """The parsed model with its external data (which must lie inside the file's own folder)."""
    import onnx
    from onnx.external_data_helper import uses_external_data

    check_size(path)
    if path.suffix != ".onnx":
        raise ModelRefused(f"{path.name} is not an ONNX file (.onnx): export it with `torch.onnx.export`.")
    try:
        proto = onnx.load(str(path), load_external_data=False)
    except Exception:  # protobuf raises DecodeError and others for a file that is not ONNX
        raise ModelRefused(f"{path.name} is not an ONNX model (it does not parse as one).") from None
    folder = path.resolve().parent
    for tensor in proto.graph.initializer:
        if uses_external_data(tensor):
            location = next((e.value for e in tensor.external_data if e.key == "location"), "")
            target = (folder / location).resolve()
            if folder not in target.parents or not target.is_file():
                raise ModelRefused(
                    f"{path.name} keeps weights in {location[:80]!r}, outside its own folder or missing; keep the "
                    "external data beside the model file."
                )
    try:
        onnx.load_external_data_for_model(proto, str(folder))
    except Exception as error:
        raise ModelRefused(f"{path.name}: its external data could not be read ({type(error).__name__}).") from None
    domains = sorted({node.domain for node in proto.graph.node if node.domain not in KNOWN_DOMAINS})
    if domains:
        raise ModelRefused(
            f"{path.name} uses operators from the domain {domains[0][:60]!r}, which ONNX Runtime does not know: "
            "export with standard operators only."
        )
    return proto


def describe_input(proto, name: str) -> OnnxInput:
    initialisers = {t.name for t in proto.graph.initializer}
    inputs = [i for i in proto.graph.input if i.name not in initialisers]
    if len(inputs) != 1:
        raise ModelRefused(f"{name} takes {len(inputs)} inputs; it must take one image.")
    dims = [d.dim_value if d.HasField("dim_value") else None for d in inputs[0].type.tensor_type.shape.dim]
    if len(dims) != 4:
        raise ModelRefused(
            f"{name}'s input has {len(dims)} dimensions: it must take 2-D images (batch, channels, height, width or "
            "batch, height, width, channels)."
        )
    _, a, b, c = dims
    if a in (1, 3) and c not in (1, 3):
        layout, channels, height, width = "NCHW", a, b, c
    elif c in (1, 3):
        layout, channels, height, width = "NHWC", c, a, b
    else:
        raise ModelRefused(f"{name} takes input {dims}: neither NCHW nor NHWC with 1 (grey) or 3 (RGB) channels.")
    if height is not None and width is not None and height != width:
        raise ModelRefused(f"{name} takes {height}x{width} images; it must take square images.")
    return OnnxInput(inputs[0].name, layout, height or width, channels)


def output_kind(proto) -> str:
    """softmax or sigmoid where the graph ends in one, else logits."""
    output = proto.graph.output[0].name
    producer = next((node for node in proto.graph.node if output in node.output), None)
    kind = producer.op_type.lower() if producer is not None else ""
    return kind if kind in ("softmax", "sigmoid") else "logits"


def check_graph(proto, card: ModelCard, name: str) -> None:
    found = describe_input(proto, name)
    if found.size is not None and found.size != card.input_size:
        raise ModelRefused(f"{name} takes {found.size}-px images, but --size {card.input_size} was given.")
    if found.channels != card.channels:
        raise ModelRefused(f"{name} takes {found.channels} channel(s), but --channels {card.channels} was given.")
    if len(proto.graph.output) != 1:
        raise ModelRefused(f"{name} has {len(proto.graph.output)} outputs; it must give one vector of class scores.")


def check_forward(path: Path, card: ModelCard):
    """One forward pass on a generated film; returns the network."""
    from model.network.onnx_network import OnnxNetwork
    from model.preprocessing import to_model_input
    from model.synthetic import synthetic_radiograph

    try:
        network = OnnxNetwork(path, card)
    except Exception as error:  # ONNX Runtime refuses unknown operators, bad graphs, external data tricks itself
        raise ModelRefused(
            f"ONNX Runtime cannot load {path.name} ({type(error).__name__}: {str(error).splitlines()[0][:160]})."
        ) from None
    film = to_model_input(synthetic_radiograph(320, 300), card.input_size)[None]
    film = np.repeat(film, card.channels, axis=-1)
    try:
        raw = network._run(network._session, [network._output], film)[0]
    except MemoryError:
        raise ModelRefused(f"{path.name} ran out of memory on one test film.") from None
    except Exception as error:
        if "Failed to allocate memory" in str(error):  # ONNX Runtime's arena under the admission child's limit
            raise ModelRefused(f"{path.name} ran out of memory on one test film.") from None
        raise ModelRefused(f"{path.name} failed on a test film ({type(error).__name__}: {str(error)[:160]}).") from None
    width = int(np.prod(raw.shape[1:]))
    if width != len(card.classes):
        raise ModelRefused(
            f"{path.name} gives {width} outputs but {len(card.classes)} classes were named "
            f"({', '.join(card.classes)}): name one class per output, in output order."
        )
    probabilities = network.to_probabilities(raw)
    if not np.all(np.isfinite(probabilities)) or probabilities.min() < -1e-6 or probabilities.max() > 1 + 1e-6:
        raise ModelRefused(
            f"{path.name}'s outputs on a test film are not probabilities (outside 0-1 or not finite): if it gives "
            "raw logits, register it with --output logits."
        )
    if not network.spatial_layers():
        raise ModelRefused(f"{path.name} has no convolution with a spatial map: Grad-CAM and its relatives need one.")
    return network


def supervised_probe(path: Path, card: ModelCard) -> float:
    """The first forward pass in a child (model.registry.probe_child) under ADMISSION_MEMORY_BYTES and
    ADMISSION_TIMEOUT_S; returns its seconds, or raises ModelRefused with the sentence."""
    import json
    import subprocess
    import sys

    limit_gb = config.ADMISSION_MEMORY_BYTES / 2**30
    command = [sys.executable, "-m", "model.registry.probe_child", str(path), json.dumps(card.to_json())]
    try:
        done = subprocess.run(
            [*command, str(config.ADMISSION_MEMORY_BYTES)],
            capture_output=True,
            text=True,
            timeout=config.ADMISSION_TIMEOUT_S,
            cwd=config.REPO_ROOT,
        )
    except subprocess.TimeoutExpired:
        raise ModelRefused(
            f"{path.name} did not answer one test film within {config.ADMISSION_TIMEOUT_S:.0f} s: too slow to explain "
            "here (every map needs dozens of forward passes)."
        ) from None
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    answer = json.loads(lines[-1]) if lines else {"refused": "memory" if done.returncode != 0 else "no answer"}
    if answer.get("refused") in ("memory", "no answer"):
        raise ModelRefused(f"{path.name} needed more than {limit_gb:.1f} GB of memory for one test film (or crashed).")
    if "ran out of memory" in answer.get("refused", ""):
        raise ModelRefused(f"{path.name} needed more than {limit_gb:.1f} GB of memory for one test film.")
    if "refused" in answer:
        raise ModelRefused(answer["refused"])
    return float(answer["seconds"])


def admission_films(card: ModelCard, count: int = 4) -> np.ndarray:
    from model.preprocessing import to_model_input
    from model.synthetic import synthetic_radiograph

    films = np.stack([to_model_input(synthetic_radiograph(320, 300, seed=s), card.input_size) for s in range(count)])
    return np.repeat(films, card.channels, axis=-1).astype(np.float32)


def verify_gradients(network, card: ModelCard) -> str | None:
    """None when the TensorFlow translation agrees with ONNX Runtime within ONNX_GRADIENT_TOLERANCE on the
    admission films and gives finite gradients at the default layer, else the sentence saying why not."""
    from model.network.onnx_tensorflow import UnsupportedGraph

    films = admission_films(card)
    try:
        translation = network.translation()
        expected = network._run(network._session, [network._output], films)[0].reshape(len(films), -1)
        got = translation.probabilities(films).reshape(len(films), -1)
        targets = expected.argmax(axis=1)
        _, grads, _ = translation.layer_gradients(films, targets, network.default_layer())
    except UnsupportedGraph as error:
        return f"its graph uses {error}, which the TensorFlow translation does not cover"
    except Exception as error:  # a translation that fails on this graph: forward-only
        return f"its TensorFlow translation failed ({type(error).__name__}: {str(error)[:120]})"
    difference = float(np.abs(expected - got).max())
    if not difference <= config.ONNX_GRADIENT_TOLERANCE:
        return f"its TensorFlow translation differs from ONNX Runtime by {difference:.1e}"
    if not np.all(np.isfinite(grads)):
        return "its gradients are not finite"
    return None


def admit_onnx(path: Path, card: ModelCard, log=print) -> tuple[object, ModelCard, object]:
    """Every check, in order; returns (network, card with gradients_verified decided, the proto to write)."""
    path = Path(path)
    proto = load_proto(path)
    check_graph(proto, card, path.name)
    seconds = supervised_probe(path, card)
    log(f"First forward pass in a supervised child: {seconds:.1f} s.")
    network = check_forward(path, card)
    reason = verify_gradients(network, replace(card, gradients_verified=True))
    if reason:
        log(f"Gradient methods off: {reason}; occlusion, RISE and Score-CAM still apply.")
    else:
        log(
            f"Gradient methods on: the TensorFlow translation agrees with ONNX Runtime within "
            f"{config.ONNX_GRADIENT_TOLERANCE:.0e}."
        )
    return network, replace(card, gradients_verified=reason is None), proto
