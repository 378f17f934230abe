"""A decoding child's entry point: `python -m model.image_io.decoder_child FD LIMITS_JSON` (model.image_io.sandbox
starts it). Its own module, so that what it sends back pickles as `model.image_io.sandbox` types, not `__main__`."""

from __future__ import annotations

import json
import sys
from multiprocessing.connection import Connection

from model.image_io.sandbox import DecodeLimits, serve

if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])), DecodeLimits(**json.loads(sys.argv[2])))
