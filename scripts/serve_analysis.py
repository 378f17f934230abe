"""Serve the dashboard's analysis with Ray Serve, so that several dashboard servers share it.

Usage: python scripts/serve_analysis.py [--replicas N] [--address ray://HEAD:10001|auto] [--cpus-per-replica 1]
Then start each dashboard server with CXR_ANALYSIS=serve and RAY_ADDRESS naming the same cluster. Runs until
interrupted. Without --address it starts a local Ray (one machine, for trying it out).
"""

from __future__ import annotations

import argparse
import sys
import time

from model import config
from model.serving.ray_serve import start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=1, help="analysis replicas (each holds the models once)")
    parser.add_argument("--address", default=None, help="an existing Ray cluster (default: start a local one)")
    parser.add_argument("--cpus-per-replica", type=float, default=1.0)
    args = parser.parse_args()
    if args.replicas < 1:
        print("error: --replicas must be at least 1.", file=sys.stderr)
        return 2
    start(args.replicas, args.address, args.cpus_per_replica)
    print(f"Serving '{config.SERVE_APP_NAME}' with {args.replicas} replica(s); Ctrl-C stops it.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
