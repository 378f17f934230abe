"""A model's first forward pass in its own process: `python -m model.registry.probe_child PATH CARD_JSON`.

Admission runs an unknown network for the first time here, under a memory limit, while the parent waits with a
deadline (model.registry.onnx_admission.supervised_probe): a graph that takes minutes or exhausts memory on one
film ends this child, never the tool. Prints one JSON line: {"seconds": ...} or {"refused": sentence}.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    limit = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from model.registry.admission import ModelRefused
    from model.registry.card import ModelCard
    from model.registry.onnx_admission import check_forward

    started = time.perf_counter()
    try:
        check_forward(Path(sys.argv[1]), ModelCard.from_json(json.loads(sys.argv[2])))
        print(json.dumps({"seconds": time.perf_counter() - started}))
    except ModelRefused as error:
        print(json.dumps({"refused": str(error)}))
    except MemoryError:
        print(json.dumps({"refused": "memory"}))
