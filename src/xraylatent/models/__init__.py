"""Latent models with scikit-learn's API (Emulator, EDNN, NNCA in ``estimators``, ECA in ``eca``), the
model-name grammar, the factory that builds a search candidate's estimator, and the ``models/{model}.nc``
summaries. Submodules are imported by name, so that reading model names does not load torch."""
