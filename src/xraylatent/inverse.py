"""Inverse: structure from spectra (method.md §9).

For standardized targets s*, fit the k latent values t by least squares, min_t ‖g(t) − s*‖², where g is the
NNCA decoder or the emulator after the expansion t ↦ Vᵀt (ECA). All samples and several random starts
(plus one at the centre, t = 0) run as one batch with Adam on a cosine-decaying step; the best start per
sample wins. The expansion x̂ = Vᵀt lies in span(V), so a feature with no weight in V comes back at its
train-set mean (0 standardized): the spectra say nothing about it.

EDNN inversion (the study's negative result): an EDNN with a Leaky-ReLU encoder of square hidden layers is
bijective up to its last layer (d → k), which is inverted by the pseudo-inverse (the minimum-norm
pre-image). Ill-conditioned layers amplify errors, so the condition number of every encoder weight is
reported with the reconstruction.
"""

from __future__ import annotations

import numpy as np
import torch
import xarray as xr
from ase.data import chemical_symbols

from xraylatent.features import center_distances
from xraylatent.nets import StackedEDNN, StackedMLP, member_generators
from xraylatent.prepare import scalers
from xraylatent.targets import build_targets
from xraylatent.train import train_stack


def _device(module: torch.nn.Module) -> torch.device:
    return next(module.parameters()).device


def fit_latent(decode, targets, n_components: int, device, n_starts: int = 8, max_iter: int = 300,
               learning_rate: float = 0.05, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares latent values for each row of ``targets`` (n×m, standardized).

    ``decode`` maps a (starts, n, k) tensor to (starts, n, m). Starts are drawn from N(0, 1) (the spread of
    latent scores of z-scored features) with the first at t = 0. Returns T (n×k) and the mean squared
    residual per sample of the best start.
    """
    y = torch.as_tensor(np.asarray(targets, dtype=np.float32), device=device)
    generator = torch.Generator().manual_seed(int(seed))
    starts = torch.randn(n_starts, len(y), n_components, generator=generator)
    starts[0] = 0.0
    t = starts.to(device).requires_grad_(True)
    optimizer = torch.optim.Adam([t], lr=learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max_iter)

    def residual():
        return (decode(t) - y).square().mean(-1)  # (starts, n)

    for _ in range(max_iter):
        (t.grad,) = torch.autograd.grad(residual().sum(), t)
        optimizer.step()
        schedule.step()
    with torch.no_grad():
        loss = residual()
        best = loss.argmin(0)
        rows = torch.arange(len(y), device=device)
        return t[best, rows].cpu().double().numpy(), loss[best, rows].cpu().double().numpy()


def nnca_decoder(nnca):
    """g(t) of a fitted NNCA, as a torch function for :func:`fit_latent`; also returns its device."""
    return nnca.net_.decode, _device(nnca.net_)


def eca_decoder(emulator, components: np.ndarray):
    """f(Vᵀt): the emulator after the expansion, as a torch function for :func:`fit_latent`."""
    device = _device(emulator.net_)
    V = torch.as_tensor(components, dtype=torch.float32, device=device)
    return (lambda t: emulator.net_(t @ V)), device


def invert(decoder, components: np.ndarray, targets, **options) -> tuple[np.ndarray, np.ndarray]:
    """Standardized structures x̂ = Vᵀt (n×d) fitted to ``targets``, and the residual per sample."""
    decode, device = decoder
    T, residual = fit_latent(decode, targets, len(components), device, **options)
    return T @ components, residual


def feature_scores(X_true: np.ndarray, X_hat: np.ndarray, at_mean_tolerance: float = 0.1) -> dict:
    """Per-feature reconstruction R², RMS of x̂ (standardized) and whether x̂ stays at the mean (RMS below
    ``at_mean_tolerance``: the feature is spectrally irrelevant to the model)."""
    residual = np.sum((X_true - X_hat) ** 2, axis=0)
    total = np.sum((X_true - X_true.mean(axis=0)) ** 2, axis=0)
    rms = np.sqrt(np.mean(X_hat**2, axis=0))
    return {"r2": 1.0 - residual / total, "rms": rms, "at_mean": rms < at_mean_tolerance}


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


def leaky_ednn(n_features: int, n_targets: int, n_components: int, square_layers: int = 2,
               decoder_layers=(64,), negative_slope: float = 0.1, seed: int = 0) -> StackedEDNN:
    """An EDNN whose encoder is ``square_layers`` Leaky-ReLU layers d→d, then the linear bottleneck d→k."""
    generators = member_generators([seed])
    net = StackedEDNN(n_features, n_targets, n_components, (), decoder_layers, generators)
    net.encoder = StackedMLP([n_features] * (square_layers + 1) + [n_components], generators, negative_slope)
    return net


def train_leaky_ednn(X, Y, n_components: int, seed: int = 0, validation_fraction: float = 0.1,
                     net_options: dict | None = None, **training) -> StackedEDNN:
    """Build and train :func:`leaky_ednn` on (X, Y) with ``training`` options of :func:`train_stack`."""
    net = leaky_ednn(X.shape[1], Y.shape[1], n_components, seed=seed, **(net_options or {}))
    val = np.zeros(len(X), dtype=bool)
    val[np.random.default_rng(seed).permutation(len(X))[: int(round(validation_fraction * len(X)))]] = True
    return train_stack(net, X, Y, ~val[None], val[None] if val.any() else None, seed=seed, **training).model


def condition_numbers(encoder: StackedMLP) -> np.ndarray:
    """2-norm condition number (largest / smallest singular value) of each encoder weight matrix."""
    with torch.no_grad():
        return np.array([float(torch.linalg.cond(layer.weight[0].double())) for layer in encoder.layers])


def invert_encoder(encoder: StackedMLP, T: np.ndarray) -> np.ndarray:
    """Pre-images x (n×d) of bottleneck values T (n×k), layer by layer from the last: pseudo-inverse of
    the d→k layer, then exact inverses of each square layer and of the Leaky ReLU."""
    with torch.no_grad():
        h = torch.as_tensor(T, dtype=torch.float64)
        for position, layer in enumerate(reversed(encoder.layers)):
            if position > 0:  # undo the activation that followed this layer
                h = torch.where(h >= 0, h, h / encoder.negative_slope)
            weight, bias = layer.weight[0].double().cpu(), layer.bias[0].double().cpu()
            h = (h - bias) @ torch.linalg.pinv(weight)
        return h.numpy()


def invert_leaky_ednn(net: StackedEDNN, targets, **options) -> tuple[np.ndarray, np.ndarray]:
    """Standardized x̂ from targets through the decoder (least squares) and the inverted encoder; also
    the residual per sample of the latent fit."""
    T, residual = fit_latent(net.decode, targets, net.decoder.layers[0].weight.shape[1], _device(net), **options)
    return invert_encoder(net.encoder, T), residual


def reconstruction_dataset(prepared: xr.Dataset, raw: xr.Dataset, target: dict, inverters: dict,
                           group: str | None = None, at_mean_tolerance: float = 0.1) -> xr.Dataset:
    """Reconstruct the test set's structures, and each group's (if ``group``) from its mean spectrum.

    ``inverters`` maps a model name to a function of standardized targets returning (x̂ standardized,
    residual). Structures are stored in physical units; per-feature scores are in standardized units.
    With Coulomb features (prepared attr ``slot_numbers``) the mean centre–neighbour distance per element
    is added per group, beside the test set's known mean (method.md §9).
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
        },
        coords={"model": names, "sample": prepared["sample_id"].values[test], "feature": prepared["feature"].values},
    )
    ds["r2"].attrs["description"] = "per-feature reconstruction R² on the test set (standardized units)"
    ds["rms"].attrs["description"] = "RMS of the reconstruction in standardized units (0 = stays at the mean)"
    if group is not None:
        groups = _group_reconstruction(prepared, raw, target, inverters, group, test)
        ds = ds.merge(groups)
        ds.attrs.update(groups.attrs)  # merge keeps only the first data set's attrs
    return ds


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
        out = out.assign_coords(element=elements)
        out.attrs["center"] = chemical_symbols[int(slots[0])]
    return out


def reconstruction_markdown(recons: dict[int, xr.Dataset], max_listed: int = 8) -> str:
    """Markdown summary of reconstructions per k: per model the mean latent-fit residual, the features
    reconstructed well (R² ≥ 0.5) and those at their mean; the Leaky EDNN's condition numbers; and, with
    groups and Coulomb features, reconstructed vs known mean distances per group."""

    def listed(names) -> str:
        names = list(names)
        return ", ".join(names[:max_listed]) + (f" … ({len(names)} in all)" if len(names) > max_listed else "") or "—"

    lines = ["| k | model | mean residual | features with R² ≥ 0.5 (R²) | features at their mean |",
             "|---|---|---|---|---|"]
    for k, ds in recons.items():
        features = ds["feature"].values
        for model in ds["model"].values:
            r2, at_mean = ds["r2"].sel(model=model).values, ds["at_mean"].sel(model=model).values.astype(bool)
            good = [f"{f} ({v:.2f})" for f, v in sorted(zip(features, r2), key=lambda p: -p[1]) if v >= 0.5]
            lines.append(f"| {k} | {model} | {float(ds['residual'].sel(model=model).mean()):.3g} | {listed(good)} "
                         f"| {listed(features[at_mean])} |")
    lines += ["", "Leaky-ReLU EDNN encoder condition numbers (first layer → bottleneck):", ""]
    lines += [f"- k={k}: " + ", ".join(f"{c:.3g}" for c in ds["condition_number"].values)
              + f" (test R² of the network {ds.attrs['ednn_leaky_test_r2']:.3f})" for k, ds in recons.items()]
    first = next(iter(recons.values()))
    if "distance_hat" in first:
        group = first.attrs["group"]
        columns = [(k, str(m), e) for k, ds in recons.items() for m in ds["model"].values for e in ds["element"].values]
        lines += ["", f"Mean distances (Å) per {group}: known test-set mean, then reconstructed from the group's "
                  "mean spectrum.", "",
                  f"| {group} | " + " | ".join(f"known {e}" for e in first["element"].values) + " | "
                  + " | ".join(f"{m} k={k} {e}" for k, m, e in columns) + " |",
                  "|" + "---|" * (1 + first.sizes["element"] + len(columns))]
        for i, label in enumerate(first["group"].values):
            known = [f"{v:.3f}" for v in first["distance_true"].values[i]]
            fitted = [f"{float(recons[k]['distance_hat'].sel(model=m, element=e)[i]):.3f}" for k, m, e in columns]
            lines.append(f"| {label:g} | " + " | ".join(known + fitted) + " |")
    return "\n".join(lines) + "\n"
