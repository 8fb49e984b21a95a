"""From structures and spectra to model-ready arrays: raw data sets (``sources``), features, targets, and the
split and standardization (``prepare``)."""
