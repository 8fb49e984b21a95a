"""Bootstrap uncertainty of ECA and NNCA directions, and which features a spectrum leaves undetermined.

Design:

* ECA is refitted with the emulator **fixed** (a ``FrozenEstimator`` of the trained emulator) on bootstrap
  resamples of the split its directions are fitted on (``fit_on``, the study's test set by default;
  resampling the train set would then not change ECA at all). The directions are a functional of the
  emulator; the emulator's own training variance is already measured by the seed spread
  (:mod:`xraylatent.models.spread`), and a new emulator per resample would cost a full training each. The
  interval therefore shows how much the directions depend on the rows they are fitted on, given the emulator:
  an emulator error that tilts every resample alike (a spurious weight on a feature the targets ignore) is
  not in it, and can make such a weight look decisive; read ECA's flags beside the seed spread.
* NNCA's encoder and decoder are one model, so it is refitted whole (``sklearn.base.clone`` of the fitted
  NNCA: same hyperparameters and seed) on bootstrap resamples of the train set; its directions are then
  ordered with :func:`~xraylatent.interpret.components.ordered_rotation` on the full ``fit_on`` split,
  exactly as the workflow orders the full-data NNCA. (Its early-stopping rows are drawn from the resample,
  so duplicated rows can sit on both sides: the refits may stop a little later than the full-data fit.)
* Resample r draws its n rows with replacement from ``numpy.random.default_rng([seed, r])``, so a resample
  is the same whichever job, and in whichever chunk of resamples, computes it; chunks are joined with
  ``xr.concat(..., dim="resample")``.
* ECA with k ranks is the first k ranks of one ECA with the largest k: ranks are fitted one after another.

Indecisive criterion: a feature's weight w in a basis vector is *indecisive* when its bootstrap interval
w ± t·s contains 0, with w the full-data weight, s the standard deviation of the resampled weights (each
resampled vector's sign aligned to the full-data one) and t the Student-t quantile at (1+level)/2 with B−1
degrees of freedom: |w| < t·s, the weight is smaller than its bootstrap noise. This is Efron's standard
bootstrap interval (Efron & Tibshirani 1993, An Introduction to the Bootstrap) with t in place of the normal
quantile, because the default run has only ~10 resamples: a percentile interval of B draws spans on average
only (B−1)/(B+1) of their distribution (82 % at B = 10), so it would flag too few weights, while t widens the
interval for small B (2.26 s at B = 10) and tends to the normal 1.96 s as B grows. The sign and presence of
the weight are then not determined by the data, given the model. R² intervals are built the same way, around
the bootstrap mean.
A feature is *determined* at k when its weight is decisive in at least one of the k basis vectors: in the
reconstruction x̂ = Σ_r t_r V_r an indecisive feature receives only noise.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.stats
import xarray as xr
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

from xraylatent.interpret.components import align_signs, compare_directions, ordered_rotation
from xraylatent.models.eca import ECA

log = logging.getLogger(__name__)

MODELS = ("eca", "nnca")
SPLITS = ("train", "test")
CRITERION = ("a feature's weight w in a basis vector is indecisive when its interval w ± t·s contains 0 (s: standard "
             "deviation of the sign-aligned resampled weights, t: Student-t quantile at (1+level)/2 with n−1 degrees "
             "of freedom); a feature is determined at k when it is decisive in at least one of the k basis vectors")


def standard_interval(centre: np.ndarray, draws: np.ndarray, level: float, axis: int = 0):
    """(low, high) = centre ∓ t·s: s the standard deviation of ``draws`` along ``axis``, t the Student-t
    quantile at (1+level)/2 with n−1 degrees of freedom (Efron's standard interval, widened for few draws)."""
    n = draws.shape[axis]
    half = scipy.stats.t.ppf((1 + level) / 2, n - 1) * draws.std(axis=axis, ddof=1)
    return centre - half, centre + half


def resample_rows(n_rows: int, seed: int, resample: int) -> np.ndarray:
    """Row indices of bootstrap resample ``resample``: ``n_rows`` draws with replacement, seeded by
    ``[seed, resample]`` only (so the same resample whichever call computes it)."""
    if n_rows < 1:
        raise ValueError(f"cannot resample {n_rows} rows, expected at least 1")
    return np.random.default_rng([seed, resample]).integers(0, n_rows, size=n_rows)


def bootstrap_fits(parts: dict, emulator, nncas: dict, resamples, seed: int = 0, eca_options: dict | None = None,
                   fit_on: str = "test") -> xr.Dataset:
    """ECA (emulator fixed, ``fit_on`` resampled) and every NNCA (refitted on the resampled train set) for
    each resample number in ``resamples``: directions ``V`` and ``train_r2``/``test_r2`` on the full splits.

    ``parts`` is ``{"train": (X, Y), "test": (X, Y)}``, ``emulator`` the fitted Emulator, ``nncas`` maps
    k → fitted NNCA, ``eca_options`` go to ECA and to the NNCA ordering (n_starts, max_iter, learning_rate).
    """
    if fit_on not in SPLITS:
        raise ValueError(f"unknown fit_on '{fit_on}', expected one of {list(SPLITS)}")
    missing = [split for split in SPLITS if split not in parts]
    if missing:
        raise ValueError(f"parts lacks the split(s) {missing}: expected {{'train': (X, Y), 'test': (X, Y)}}")
    resamples = [int(r) for r in resamples]
    if not resamples:
        raise ValueError("no resamples to compute: resamples is empty")
    if len(set(resamples)) != len(resamples) or min(resamples) < 0:
        raise ValueError(f"resamples must be distinct non-negative integers, got {resamples}")
    if not nncas:
        raise ValueError("nncas is empty: expected {k: fitted NNCA}")
    ks = sorted(int(k) for k in nncas)
    for k in ks:
        if nncas[k].n_components != k:
            raise ValueError(f"nncas[{k}] has n_components={nncas[k].n_components}, expected {k}")
    options = dict(eca_options or {})
    X_fit, Y_fit = parts[fit_on]
    X_train, Y_train = parts["train"]
    n_features = X_fit.shape[1]
    V = np.full((len(MODELS), len(resamples), len(ks), max(ks), n_features), np.nan)
    r2 = {split: np.full((len(MODELS), len(resamples), len(ks)), np.nan) for split in SPLITS}
    for i, r in enumerate(resamples):
        rows = resample_rows(len(X_fit), seed, r)
        eca = ECA(FrozenEstimator(emulator), n_components=max(ks), **options).fit(X_fit[rows], Y_fit[rows])
        eca_scores = {split: eca.rank_scores(*parts[split]) for split in SPLITS}
        train_rows = resample_rows(len(X_train), seed, r)
        for j, k in enumerate(ks):
            V[0, i, j, :k] = eca.components_[:k]
            refit = clone(nncas[k]).fit(X_train[train_rows], Y_train[train_rows])
            rotation, _ = ordered_rotation(refit, X_fit, Y_fit, **options)
            V[1, i, j, :k] = rotation @ refit.components_
            for split in SPLITS:
                r2[split][0, i, j] = eca_scores[split][k - 1]
                r2[split][1, i, j] = refit.score(*parts[split])
        log.info("bootstrap resample %d (%d/%d): test R² ECA %s, NNCA %s", r, i + 1, len(resamples),
                 _rounded(r2["test"][0, i]), _rounded(r2["test"][1, i]))
    return xr.Dataset(
        {
            "V": (("model", "resample", "k", "rank", "feature"), V,
                  {"units": "1", "description": "directions of each resample, ordered by rank (NNCA: ordering "
                                                "rotation on the full fit_on split), signs as fitted; NaN "
                                                "beyond rank k"}),
            **{f"{split}_r2": (("model", "resample", "k"), r2[split],
                               {"units": "1", "description": f"generalized R² on the full {split} set with k "
                                                             "components, model fitted on the resample"})
               for split in SPLITS},
        },
        coords={"model": list(MODELS), "resample": resamples, "k": ks, "rank": np.arange(1, max(ks) + 1),
                "feature": np.arange(n_features)},
        attrs={"seed": seed, "fit_on": fit_on,
               "description": "bootstrap refits: ECA with the emulator fixed on resamples of the fit_on split, "
                              "NNCA refitted on resamples of the train set"},
    )


def _rounded(values: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:.3f}" for v in values) + "]"


def _reference_directions(fits: xr.Dataset, reference) -> dict[str, np.ndarray]:
    """{model: (k, rank, feature) array} of the reference directions at the k and ranks of ``fits``."""
    out = {}
    ks, ranks = fits["k"].values, fits["rank"].values
    for model in MODELS:
        name = f"V_{model}"
        if name not in reference:
            raise ValueError(f"reference lacks {name}: expected V_eca and V_nnca with dims (k, rank, feature)")
        ref = reference[name]
        if set(ref.dims) != {"k", "rank", "feature"}:
            raise ValueError(f"reference {name} has dims {ref.dims}, expected (k, rank, feature)")
        if ref.sizes["feature"] != fits.sizes["feature"]:
            raise ValueError(f"reference {name} has {ref.sizes['feature']} features, the bootstrap fits "
                             f"{fits.sizes['feature']}")
        lacking = ([f"k={int(k)}" for k in ks if k not in ref["k"].values]
                   + [f"rank={int(r)}" for r in ranks if r not in ref["rank"].values])
        if lacking:
            raise ValueError(f"reference {name} lacks {', '.join(lacking)} of the bootstrap fits")
        out[model] = ref.sel(k=ks, rank=ranks).transpose("k", "rank", "feature").values
    return out


def bootstrap_summary(fits: xr.Dataset, reference, level: float = 0.95) -> xr.Dataset:
    """Standard intervals of every weight (around the full-data weight), the indecisive flags, span angles
    to the reference and R² intervals, from ``fits`` (bootstrap_fits outputs concatenated over ``resample``)
    and ``reference`` (the full-data ``V_eca`` and ``V_nnca``, dims (k, rank, feature), as in
    ``interpret/components.nc``)."""
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    n_resamples = fits.sizes["resample"]
    if n_resamples < 2:
        raise ValueError(f"the bootstrap needs at least 2 resamples, got {n_resamples}")
    if len(np.unique(fits["resample"].values)) != n_resamples:
        raise ValueError("fits holds a resample more than once: concatenate distinct chunks")
    refs = _reference_directions(fits, reference)
    ks = [int(k) for k in fits["k"].values]
    V = fits["V"].transpose("model", "resample", "k", "rank", "feature").values.copy()
    n_models, _, n_k, n_rank, n_features = V.shape
    weight = {name: np.full((n_models, n_k, n_rank, n_features), np.nan)
              for name in ("mean", "low", "high", "reference")}
    indecisive = np.full((n_models, n_k, n_rank, n_features), -1, dtype=np.int8)
    angle = np.full((n_models, n_k, n_resamples), np.nan)
    for m, model in enumerate(fits["model"].values):
        for j, k in enumerate(ks):
            ref = refs[str(model)][j, :k]
            for i in range(n_resamples):
                V[m, i, j, :k] = align_signs(ref, V[m, i, j, :k])
                angle[m, j, i] = compare_directions(ref, V[m, i, j, :k])[1].max()
            low, high = standard_interval(ref, V[m, :, j, :k], level)
            weight["mean"][m, j, :k] = V[m, :, j, :k].mean(axis=0)
            weight["low"][m, j, :k], weight["high"][m, j, :k] = low, high
            weight["reference"][m, j, :k] = ref
            indecisive[m, j, :k] = (low <= 0) & (high >= 0)
    per_weight = ("model", "k", "rank", "feature")
    interval = f"{level:.0%} standard bootstrap interval (centre ± t·s)"
    data = {
        "V": (("model", "resample", "k", "rank", "feature"), V,
              {"units": "1", "description": "directions of each resample, signs aligned to the reference rank by "
                                            "rank; NaN beyond rank k"}),
        "weight_mean": (per_weight, weight["mean"], {"units": "1", "description": "bootstrap mean of each weight"}),
        "weight_low": (per_weight, weight["low"], {"units": "1", "description": f"lower end of the {interval}"}),
        "weight_high": (per_weight, weight["high"], {"units": "1", "description": f"upper end of the {interval}"}),
        "weight_reference": (per_weight, weight["reference"],
                             {"units": "1", "description": "the full-data weight (the reference)"}),
        "indecisive": (per_weight, indecisive,
                       {"units": "1", "description": "1 where the weight's interval contains 0 (indecisive), 0 "
                                                     "where it does not, -1 beyond rank k"}),
        "angle": (("model", "k", "resample"), angle,
                  {"units": "degree", "description": "largest principal angle between the resampled span and the "
                                                     "reference span"}),
        "angle_median": (("model", "k"), np.median(angle, axis=2),
                         {"units": "degree", "description": "median over resamples of the largest principal angle"}),
        "angle_high": (("model", "k"), np.quantile(angle, level, axis=2),
                       {"units": "degree", "description": f"{level:g} quantile over resamples of the largest "
                                                          "principal angle"}),
    }
    for split in SPLITS:
        r2 = fits[f"{split}_r2"].transpose("model", "resample", "k").values
        low, high = standard_interval(r2.mean(axis=1), r2, level, axis=1)
        data[f"{split}_r2"] = (("model", "resample", "k"), r2,
                               {"units": "1", "description": f"generalized R² on the full {split} set per resample"})
        data[f"{split}_r2_mean"] = (("model", "k"), r2.mean(axis=1),
                                    {"units": "1", "description": f"bootstrap mean of the {split}-set R²"})
        data[f"{split}_r2_low"] = (("model", "k"), low,
                                   {"units": "1", "description": f"lower end of the {interval} of the {split}-set R²"})
        data[f"{split}_r2_high"] = (("model", "k"), high,
                                    {"units": "1", "description": f"upper end of the {interval} of the {split}-set R²"})
    return xr.Dataset(
        data,
        coords={name: fits[name].values for name in ("model", "resample", "k", "rank", "feature")},
        attrs={**fits.attrs, "level": level, "n_resamples": n_resamples, "criterion": CRITERION,
               "description": "bootstrap uncertainty of the ECA and NNCA directions"},
    )


def determined_features(summary: xr.Dataset, model: str, k: int) -> np.ndarray:
    """True for each feature whose weight is decisive in at least one of the k basis vectors of ``model``."""
    if model not in summary["model"].values:
        raise ValueError(f"unknown model '{model}', expected one of {list(summary['model'].values)}")
    if k not in summary["k"].values:
        raise ValueError(f"k={k} is not in the summary (k = {list(summary['k'].values)})")
    flags = summary["indecisive"].sel(model=model, k=k).transpose("rank", "feature").values[:k]
    return np.any(flags == 0, axis=0)
