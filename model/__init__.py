"""ML core of the chest X-ray explainability dashboard.

Nothing in this package imports Streamlit: the dashboard calls the core, never
the other way round, so the scripts and tests run without a UI.
"""
