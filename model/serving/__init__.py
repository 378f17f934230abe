"""Serving the analysis: the shared worker that batches requests (batching), the process it runs in
(analysis_process), the loaded models it keeps (model_pool) and the Ray Serve deployment for more than one server
(ray_serve)."""
