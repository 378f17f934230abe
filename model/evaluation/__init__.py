"""Evaluation: metrics, the trivial baseline, the shortcut test, other-hospital figures, the source probe,
and the assembly of metrics.json."""
