"""Auditing a hospital's archive: every film screened, predicted, explained and scored, one row per film.

`sources` lists the films, `decode` turns one batch of paths into small prepared films (or error rows), `auditor`
runs the models on a batch, `job` wires them into a Ray Data pipeline, `results` reads an output folder back.
Only `job` imports Ray: everything else runs (and is tested) in one process.
"""
