"""Reconstruction of the test set (docs/method.md §9, §11): every inverted model's structures from the test spectra,
and each group's (pressure's) from its mean spectrum, with per-feature scores (how well each feature comes back),
the bootstrap's determined/not-determined flags and, for Coulomb features, centre–neighbour distances: the
``interpret/reconstruction_k{k}.nc`` layout."""

from __future__ import annotations

from functools import partial

import numpy as np
import xarray as xr
from ase.data import chemical_symbols

from xraylatent.data.features import center_distances
from xraylatent.data.prepare import scalers, split_arrays
from xraylatent.data.targets import build_targets
from xraylatent.engine.settings import TrainSettings
from xraylatent.engine.train import predict_stack
from xraylatent.interpret.inverse import eca_decoder, feature_scores, invert, nnca_decoder
from xraylatent.interpret.leaky_ednn import condition_numbers, invert_leaky_ednn, train_leaky_ednn
from xraylatent.metrics import generalized_r2


def group_mean_targets(raw: xr.Dataset, samples: np.ndarray, group: str, target: dict):
    """Group labels and the targets (unstandardized, groups×channels) of each group's mean spectrum over
    the raw rows ``samples``: moment targets are the moments of the mean spectrum, as in the study."""
    subset = raw.isel(sample=samples)
    labels = np.unique(subset[group].values)
    kind = f"spectrum_{target['kind']}"
    means = np.stack([subset[kind].values[subset[group].values == label].mean(axis=0) for label in labels])
    mean_raw = subset.isel(sample=np.arange(len(labels))).drop_vars(
        [name for name in subset.data_vars if "sample" in subset[name].dims])
    mean_raw[kind] = (subset[kind].dims, means, subset[kind].attrs)
    return labels, build_targets(mean_raw, **target)["Y"].values


def distances_by_element(coulomb: np.ndarray, slot_numbers) -> dict[str, np.ndarray]:
    """Mean distance (Å) from the centre to the neighbour slots of each element, per row of Coulomb
    features (physical units): e.g. {"O": mean Ge–O, "Ge": mean Ge–Ge}. Non-positive C gives NaN."""
    slot_numbers = np.asarray(slot_numbers)
    center_row = np.asarray(coulomb)[..., : len(slot_numbers) - 1]
    r = center_distances(np.where(center_row > 0, center_row, np.nan), slot_numbers)
    return {chemical_symbols[z]: np.nanmean(r[..., slot_numbers[1:] == z], axis=-1)
            for z in dict.fromkeys(slot_numbers[1:].tolist())}


DETERMINED_FLAGS = {"flag_values": np.array([-1, 0, 1], dtype=np.int8),
                    "flag_meanings": "no_bootstrap not_determined_by_the_spectrum determined"}


def determined_flags(names, determined: dict | None, n_features: int) -> np.ndarray:
    """(model, feature) int8 flags: 1 where the bootstrap found the feature decisive in some basis vector of
    the model, 0 where it is not determined by the spectrum, −1 where the model had no bootstrap."""
    determined = determined or {}
    return np.stack([np.asarray(determined[name], dtype=np.int8) if name in determined
                     else np.full(n_features, -1, dtype=np.int8) for name in names])


def reconstruction_dataset(prepared: xr.Dataset, raw: xr.Dataset, target: dict, inverters: dict,
                           group: str | None = None, at_mean_tolerance: float = 0.1,
                           determined: dict | None = None) -> xr.Dataset:
    """Reconstruct the test set's structures, and each group's (if ``group``) from its mean spectrum.

    ``inverters`` maps a model name to a function of standardized targets returning (x̂ standardized,
    residual). Structures are stored in physical units; per-feature scores are in standardized units.
    ``determined`` maps a model name to a bool per feature from the bootstrap
    (:func:`~xraylatent.interpret.bootstrap.determined_features`), stored as the ``determined`` flags. With
    Coulomb features (prepared attr ``slot_numbers``) the centre–neighbour distances per element are added
    per test sample with their R², and per group with the test set's known mean (docs/method.md §9, §11).
    """
    x_scaler, _ = scalers(prepared)
    test = prepared["split"].values == "test"
    X, Y = prepared["X"].values[test], prepared["Y"].values[test]
    names = list(inverters)
    hats, residuals = zip(*(inverters[name](Y) for name in names))
    scores = [feature_scores(X, hat, at_mean_tolerance) for hat in hats]
    ds = xr.Dataset(
        {
            "x_true": (("sample", "feature"), x_scaler.inverse(X)),
            "x_hat": (("model", "sample", "feature"), x_scaler.inverse(np.stack(hats))),
            "residual": (("model", "sample"), np.stack(residuals),
                         {"description": "mean squared residual of the latent fit (standardized targets)"}),
            "feature_units": prepared["feature_units"],
            **{key: (("model", "feature"), np.stack([s[key] for s in scores])) for key in ("r2", "rms")},
            "at_mean": (("model", "feature"), np.stack([s["at_mean"] for s in scores]).astype(np.int8),
                        {"description": f"1 where the reconstruction's RMS (standardized) < {at_mean_tolerance}"}),
            "determined": (("model", "feature"), determined_flags(names, determined, X.shape[1]),
                           {"description": "whether the bootstrap found the feature decisive in a basis vector",
                            **DETERMINED_FLAGS}),
        },
        coords={"model": names, "sample": prepared["sample_id"].values[test], "feature": prepared["feature"].values},
    )
    ds["r2"].attrs["description"] = "per-feature reconstruction R² on the test set (standardized units)"
    ds["rms"].attrs["description"] = "RMS of the reconstruction in standardized units (0 = stays at the mean)"
    slots = prepared.attrs.get("slot_numbers")
    if slots is not None:
        ds = ds.merge(_sample_distances(ds, np.atleast_1d(slots)))
    if group is not None:
        groups = _group_reconstruction(prepared, raw, target, inverters, group, test)
        ds = ds.merge(groups)
        ds.attrs.update(groups.attrs)  # merge keeps only the first data set's attrs
    return ds


def _sample_distances(ds: xr.Dataset, slots: np.ndarray) -> xr.Dataset:
    """Centre–neighbour mean distance per element of every test sample, reconstructed and true, and the R² of
    each model's over the test set: how well a spectrum gives back the first and second shell."""
    hat, true = distances_by_element(ds["x_hat"].values, slots), distances_by_element(ds["x_true"].values, slots)
    elements = list(hat)
    hat_values = np.stack([hat[e] for e in elements], -1)  # (model, sample, element)
    true_values = np.stack([true[e] for e in elements], -1)
    r2 = 1 - np.nansum((hat_values - true_values) ** 2, axis=1) / np.nansum(
        (true_values - np.nanmean(true_values, axis=0)) ** 2, axis=0)
    angstrom = {"units": "angstrom"}
    return xr.Dataset(
        {"sample_distance_hat": (("model", "sample", "element"), hat_values,
                                 {**angstrom, "description": "from each test sample's reconstructed Coulomb matrix"}),
         "sample_distance_true": (("sample", "element"), true_values,
                                  {**angstrom, "description": "from each test sample's true Coulomb matrix"}),
         "distance_r2": (("model", "element"), r2,
                         {"units": "1", "description": "R² of the reconstructed distances over the test samples"})},
        coords={"element": elements},
    )


def _group_reconstruction(prepared, raw, target, inverters, group, test) -> xr.Dataset:
    """Structures fitted to each group's mean spectrum over the test set, beside the group's mean
    features; with ``slot_numbers`` also the mean distances per neighbour element."""
    x_scaler, y_scaler = scalers(prepared)
    position = {sample_id: i for i, sample_id in enumerate(raw["sample_id"].values)}
    rows = np.array([position[s] for s in prepared["sample_id"].values[test]])
    labels, targets = group_mean_targets(raw, rows, group, target)
    hats = np.stack([x_scaler.inverse(inverters[name](y_scaler.transform(targets))[0]) for name in inverters])
    X_true = x_scaler.inverse(prepared["X"].values[test])
    in_group = raw[group].values[rows][None, :] == labels[:, None]
    true_means = np.stack([X_true[mask].mean(axis=0) for mask in in_group])
    out = xr.Dataset(
        {"group_x_hat": (("model", "group", "feature"), hats),
         "group_x_true": (("group", "feature"), true_means,
                          {"description": "mean features of the test samples in each group"})},
        coords={"group": ("group", labels, raw[group].attrs)},
    )
    out.attrs["group"] = group
    slots = prepared.attrs.get("slot_numbers")
    if slots is not None:
        slots = np.atleast_1d(slots)
        hat_distances = distances_by_element(hats, slots)
        true_distances = distances_by_element(X_true, slots)
        elements = list(hat_distances)
        out["distance_hat"] = (("model", "group", "element"), np.stack([hat_distances[e] for e in elements], -1),
                               {"units": "angstrom", "description": "from the Coulomb matrix fitted to the "
                                                                    "group's mean spectrum"})
        out["distance_true"] = (("group", "element"),
                                np.stack([[true_distances[e][mask].mean() for e in elements] for mask in in_group]),
                                {"units": "angstrom", "description": "known mean over the group's test samples"})
        out["sample_group"] = (("sample",), raw[group].values[rows], raw[group].attrs)
        out = out.assign_coords(element=elements)
        out.attrs["center"] = chemical_symbols[int(slots[0])]
    return out


def reconstruct(prepared: xr.Dataset, raw: xr.Dataset, target: dict, k: int, settings: TrainSettings,
                nnca=None, eca=None, group: str | None = None, inverse_options: dict | None = None,
                ednn_inverse: dict | None = None, at_mean_tolerance: float = 0.1,
                determined: dict | None = None) -> xr.Dataset:
    """:func:`reconstruction_dataset` for every inverted model at ``k``: the fitted ``nnca`` through its decoder,
    ``eca`` = (emulator, V) through f(Vᵀt), and a Leaky-ReLU EDNN trained here on the train set (``ednn_inverse``:
    its learning_rate and shape, :func:`~xraylatent.interpret.leaky_ednn.train_leaky_ednn`) through its
    inverted encoder, with that network's condition numbers and test R². ``inverse_options`` go to the
    latent fit (n_starts, max_iter, learning_rate, seed); ``determined`` are the bootstrap's flags per model."""
    options = inverse_options or {}
    inverters = {}
    if nnca is not None:
        inverters["nnca"] = partial(invert, nnca_decoder(nnca), nnca.components_, **options)
    if eca is not None:
        emulator, V = eca
        inverters["eca"] = partial(invert, eca_decoder(emulator, V), V, **options)
    parts = split_arrays(prepared)
    net = train_leaky_ednn(*parts["train"], k, settings, **(ednn_inverse or {}))
    inverters["ednn_leaky"] = partial(invert_leaky_ednn, net, **options)
    result = reconstruction_dataset(prepared, raw, target, inverters, group, at_mean_tolerance, determined)
    result["condition_number"] = ("layer", condition_numbers(net.encoder),
                                  {"description": "2-norm condition number of each Leaky-ReLU EDNN encoder weight"})
    X_test, Y_test = parts["test"]
    result.attrs.update(k=k, ednn_leaky_test_r2=generalized_r2(Y_test, predict_stack(net, X_test)[0].double().numpy()))
    return result


def distance_scores_by_group(ds: xr.Dataset) -> xr.Dataset:
    """Per model, group (pressure) and element: RMSE (Å) and R² of the reconstructed test-sample distances
    within the group. Needs the per-sample distances and ``sample_group`` (Coulomb features with a group)."""
    hat, true, groups = ds["sample_distance_hat"], ds["sample_distance_true"], ds["sample_group"].values
    labels = ds["group"].values
    rmse, r2 = (np.full((ds.sizes["model"], len(labels), ds.sizes["element"]), np.nan) for _ in range(2))
    for g, label in enumerate(labels):
        members = groups == label
        error = (hat.values[:, members] - true.values[members]) ** 2
        spread = (true.values[members] - np.nanmean(true.values[members], axis=0)) ** 2
        rmse[:, g] = np.sqrt(np.nanmean(error, axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):  # one sample in a group: R² undefined
            r2[:, g] = 1 - np.nansum(error, axis=1) / np.nansum(spread, axis=0)
    dims = ("model", "group", "element")
    return xr.Dataset(
        {"rmse": (dims, rmse, {"units": "angstrom", "description": "RMSE of the reconstructed distance in the group"}),
         "r2": (dims, r2, {"units": "1", "description": "R² of the reconstructed distance within the group"})},
        coords={"model": ds["model"], "group": ds["group"], "element": ds["element"]},
    )
