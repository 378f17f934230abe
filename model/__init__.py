"""ML core of the chest X-ray explainability dashboard.

Nothing in this package imports Streamlit: the dashboard calls the core, never
the other way round, so the scripts and tests run without a UI.
"""

import os as _os

# TensorFlow's C++ start-up chatter hides the messages people need; keep warnings and errors.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
