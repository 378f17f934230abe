"""Lets `python scripts/NAME.py` import the `model` package without installing it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
