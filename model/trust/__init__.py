"""Measures of how far to trust a heatmap: faithfulness to the model, and sensitivity to the model."""
