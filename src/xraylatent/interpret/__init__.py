"""Interpretation of fitted models: the spectral change metric, ordered NNCA components beside ECA's, and
structure read back from spectra (the inverse)."""
