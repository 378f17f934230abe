"""Know when not to answer: the chest-X-ray gate and the unfamiliar-source warning, shared by every front end.

`features.py` measures a film (colour, shape, texture, lung fields, distance from the training films in the
classifier's feature space); `negatives.py` makes things that are not chest films to calibrate against;
`calibration.py` fits the gate and measures it; `gate.py` loads the fitted gate and screens films.
"""
