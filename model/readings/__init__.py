"""Readings: where a reader sees the finding on a film, kept in a database and scored against the models' maps.

A reading is one reader's answer for one film: marks (rectangles and ellipses in film pixels, each with a finding, a
confidence and a note) or an explicit "no finding". Films are keyed by the SHA-256 of their bytes, so the same film
from an upload, the dataset or a PACS is one film. The store (store.py) is the only code that talks to the database;
scores.py and agreement.py judge maps and readers with the definitions of model.evaluation.localisation.
"""
