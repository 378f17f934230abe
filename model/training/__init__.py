"""Training: the networks, augmentation, the training loops, and the source-invariance experiments."""
