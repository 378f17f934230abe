"""The Explain page's parts: picking films, the analysis controls, the detail view and compare-all.

`views/explain.py` is the page itself and reads top to bottom like the page looks; these modules hold its pieces.
"""
