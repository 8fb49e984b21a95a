"""Amorphous GeO2 from molecular dynamics: one melt–quench–compress cell per pressure, then Ge-centred clusters.

Each pressure is one LAMMPS run (:mod:`lammps_md`) of ``n_germanium`` GeO2 units with a rigid-ion pair
potential (:mod:`pair_potential`, parameters from config with their source). :func:`simulate_pressure`
returns the cell file: the snapshots, the thermodynamic trace, the partial radial distribution functions and
the measured structure (density, Ge–O coordination, first-peak positions, the decorrelation time of the local
structure), the numbers docs/physics.md checks against published values.

:func:`cut_clusters` turns the snapshots of all pressures into the structures file of the spectra chain, in
the layout of the parametric generator (:mod:`geo2_clusters`), so features, spectra and interpretation read
both alike: per cluster the central Ge at the origin, its ``n_oxygen`` nearest O, then its ``n_germanium``
nearest other Ge, each sorted by distance, as minimum-image vectors across the periodic cell.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from xraylatent.data.sources import glass_structure as glass
from xraylatent.data.sources.lammps_md import MDRun, MeltQuench, run_melt_quench
from xraylatent.data.sources.pair_potential import PairPotential

log = logging.getLogger(__name__)

RDF_MAX = 6.0  # Å, range of the stored radial distribution functions
RDF_BINS = 150  # 0.04 Å
MAX_COORDINATION = 10  # histogram bins 0..MAX_COORDINATION
GE_O_PEAK = (1.4, 2.3)  # Å, where the Ge–O first peak is looked for
GE_GE_PEAK = (2.6, 3.9)  # Å, where the Ge–Ge first peak is looked for


def composition(n_germanium: int) -> dict[str, int]:
    return {"Ge": n_germanium, "O": 2 * n_germanium}


def config_errors(config: Mapping) -> list[tuple[str, str]]:
    """(dotted key, message) for each GeO2 MD source of a schema-valid config whose pair potential cannot run
    its cell: charges for other elements than Ge and O, a missing pair, a charged cell, a Buckingham collapse
    (:meth:`PairPotential.check`). Run before any job (``validate_config(..., checks=(config_errors,))``)."""
    errors = []
    for name, dataset in config["datasets"].items():
        source = dataset["source"]
        if source["generator"] != "geo2_md":
            continue
        key, potential = f"datasets.{name}.source.md.potential", source["md"]["potential"]
        if set(potential["charges"]) != {"Ge", "O"}:
            errors.append((key, f"charges are given for {sorted(potential['charges'])}; a GeO2 cell needs exactly "
                                "Ge and O"))
            continue
        try:
            PairPotential.from_config(potential).check(composition(source["md"]["n_germanium"]))
        except ValueError as err:
            errors.append((key, str(err)))
    return errors


def simulate_pressure(potential: Mapping, pressure: float, n_germanium: int = 72, protocol: Mapping | None = None,
                      seed: int | Sequence[int] = 0, first_shell_cutoff: float = 2.4) -> xr.Dataset:
    """The cell file of one pressure (GPa): snapshots, trace, RDFs and structure summary in attrs. ``seed`` is
    anything ``numpy.random.SeedSequence`` takes (the workflow passes [seed, pressure index])."""
    pair_potential = PairPotential.from_config(potential)
    settings = MeltQuench(**(protocol or {}))
    log.info("GeO2 at %.1f GPa: %d atoms, %s; potential: %s", pressure, 3 * n_germanium, settings,
             pair_potential.reference)
    run = run_melt_quench(pair_potential, composition(n_germanium), pressure, settings, seed)
    return cell_dataset(run, pressure, first_shell_cutoff, settings)


def cell_dataset(run: MDRun, pressure: float, first_shell_cutoff: float, protocol: MeltQuench) -> xr.Dataset:
    """Snapshots and measured structure of one run as a Dataset (the md/pressure_{i}.nc layout)."""
    symbols = np.array(run.symbols)
    ge, o = np.flatnonzero(symbols == "Ge"), np.flatnonzero(symbols == "O")
    cn = np.concatenate([glass.coordination(x, c, ge, o, first_shell_cutoff)
                         for x, c in zip(run.positions, run.cells)])
    histogram = np.bincount(np.minimum(cn, MAX_COORDINATION), minlength=MAX_COORDINATION + 1) / len(cn)
    r, g_geo = glass.rdf(run.positions, run.cells, ge, o, RDF_MAX, RDF_BINS)
    g_gege = glass.rdf(run.positions, run.cells, ge, ge, RDF_MAX, RDF_BINS)[1]
    g_oo = glass.rdf(run.positions, run.cells, o, o, RDF_MAX, RDF_BINS)[1]
    tau = local_structure_decorrelation(run, ge, o)
    ge_o_peak = glass.first_peak(r, g_geo, *GE_O_PEAK)
    stats = {
        "pressure": float(pressure),
        "density": float(run.density().mean()),
        "mean_coordination": float(cn.mean()),
        "ge_o_peak": ge_o_peak,
        "ge_o_minimum": glass.first_minimum(r, g_geo, ge_o_peak, 3.0),
        "ge_ge_peak": glass.first_peak(r, g_gege, *GE_GE_PEAK),
        "decorrelation_ps": tau,
        "snapshot_interval_ps": protocol.snapshot_interval_ps,
        "measured_pressure": float(np.mean(run.trace["pressure"][np.char.startswith(run.trace["stage"], "snapshot")])),
        "cpu_seconds": run.cpu_seconds,
        "first_shell_cutoff": first_shell_cutoff,
    }
    if tau >= protocol.snapshot_interval_ps:
        log.warning("snapshots %.2f ps apart are not independent: the local structure decorrelates in %.2f ps",
                    protocol.snapshot_interval_ps, tau)
    log.info("%.1f GPa: density %.3f g/cm³, mean CN %.2f (%s), Ge–O peak %.3f Å, Ge–Ge peak %.3f Å, "
             "decorrelation %.2f ps", pressure, stats["density"], stats["mean_coordination"],
             ", ".join(f"{k}: {p:.2f}" for k, p in enumerate(histogram) if p > 0), stats["ge_o_peak"],
             stats["ge_ge_peak"], tau)
    trace = run.trace
    return xr.Dataset(
        {
            "positions": (("snapshot", "atom", "xyz"), run.positions, {"units": "angstrom"}),
            "cell": (("snapshot", "xyz"), run.cells, {"units": "angstrom", "long_name": "orthorhombic cell edges"}),
            "density": (("snapshot",), run.density(), {"units": "g/cm^3"}),
            "numbers": (("atom",), np.where(symbols == "Ge", 32, 8)),
            "coordination_fraction": (("coordination",), histogram,
                                      {"long_name": f"fraction of Ge with n O within {first_shell_cutoff} Å"}),
            "g_ge_o": (("r",), g_geo, {"long_name": "Ge–O radial distribution"}),
            "g_ge_ge": (("r",), g_gege, {"long_name": "Ge–Ge radial distribution"}),
            "g_o_o": (("r",), g_oo, {"long_name": "O–O radial distribution"}),
            "trace_temperature": (("trace",), trace["temperature"], {"units": "K"}),
            "trace_pressure": (("trace",), trace["pressure"], {"units": "GPa"}),
            "trace_density": (("trace",), trace["density"], {"units": "g/cm^3"}),
            "trace_stage": (("trace",), trace["stage"].astype(str)),
        },
        coords={
            "r": ("r", r, {"units": "angstrom"}),
            "coordination": ("coordination", np.arange(MAX_COORDINATION + 1)),
            "trace_time": ("trace", trace["time"], {"units": "ps"}),
        },
        attrs={"description": "melt–quench–compress MD of GeO2 (LAMMPS)", **stats},
    )


def local_structure_decorrelation(run: MDRun, ge: np.ndarray, o: np.ndarray, n_nearest: int = 6) -> float:
    """Decorrelation time (ps) of each Ge's sorted distances to its ``n_nearest`` O during equilibration."""
    series = [np.sort(np.linalg.norm(glass.displacements(x[ge], x[o], c), axis=-1), axis=1)[:, :n_nearest]
              for x, c in zip(run.tracked_positions, run.tracked_cells)]
    return glass.decorrelation_time(np.array(series), run.track_ps)


def cut_clusters(cells: Sequence[xr.Dataset], per_snapshot: int = 0, n_oxygen: int = 12, n_germanium: int = 10,
                 first_shell_cutoff: float = 2.4, seed: int = 0, total: int = 0) -> xr.Dataset:
    """Ge-centred clusters of every snapshot of every cell file, as a structures Dataset (raw.nc layout).

    ``per_snapshot`` Ge centres are drawn without replacement from each snapshot (seeded: snapshot k of cell i
    draws from child (i, k) of ``SeedSequence(seed)``), all of them when 0; ``total`` (when > 0) then keeps a
    seeded random subset of that many clusters, in their order. The attrs carry the per-pressure structure of
    the cells (``md_*`` arrays in the order of ``md_pressure``).
    """
    positions, labels = [], {key: [] for key in ("pressure", "coordination", "snapshot", "centre", "density")}
    for i, cell_file in enumerate(cells):
        xyz, edges = cell_file["positions"].values, cell_file["cell"].values
        numbers = cell_file["numbers"].values
        ge, o = np.flatnonzero(numbers == 32), np.flatnonzero(numbers == 8)
        if len(o) < n_oxygen or len(ge) - 1 < n_germanium:
            raise ValueError(f"cell {i} ({cell_file.attrs['pressure']} GPa) has {len(o)} O and {len(ge)} Ge: too "
                             f"few for clusters of {n_oxygen} O and {n_germanium} Ge neighbours")
        for k, child in enumerate(np.random.SeedSequence([seed, i]).spawn(len(xyz))):
            centres = ge if not per_snapshot else np.sort(
                np.random.default_rng(child).choice(ge, min(per_snapshot, len(ge)), replace=False))
            for centre in centres:
                others = ge[ge != centre]
                to_o = glass.displacements(xyz[k][[centre]], xyz[k][o], edges[k])[0]
                to_ge = glass.displacements(xyz[k][[centre]], xyz[k][others], edges[k])[0]
                near_o = to_o[np.argsort(np.linalg.norm(to_o, axis=1), kind="stable")[:n_oxygen]]
                near_ge = to_ge[np.argsort(np.linalg.norm(to_ge, axis=1), kind="stable")[:n_germanium]]
                positions.append(np.vstack([np.zeros((1, 3)), near_o, near_ge]))
                labels["pressure"].append(cell_file.attrs["pressure"])
                labels["coordination"].append(int(np.sum(np.linalg.norm(near_o, axis=1) <= first_shell_cutoff)))
                labels["snapshot"].append(i * len(xyz) + k)
                labels["centre"].append(int(centre))
                labels["density"].append(float(cell_file["density"].values[k]))
    coordination = np.array(labels["coordination"])
    if len(coordination) and coordination.max() > n_germanium:
        worst = int(np.argmax(coordination))
        raise ValueError(f"a cluster at {labels['pressure'][worst]} GPa (snapshot {labels['snapshot'][worst]}, "
                         f"Ge {labels['centre'][worst]}) has {coordination.max()} O within {first_shell_cutoff} Å "
                         f"but only {n_germanium} Ge neighbours are kept to cap them: raise clusters.n_germanium "
                         f"to {coordination.max()}")
    keep = np.arange(len(positions))
    if total:
        if total > len(positions):
            raise ValueError(f"clusters.total {total} exceeds the {len(positions)} clusters the cells give")
        keep = np.sort(np.random.default_rng(np.random.SeedSequence([seed, len(cells)])).choice(
            len(positions), total, replace=False))
    positions = np.array(positions)[keep]
    labels = {key: np.array(values)[keep] for key, values in labels.items()}
    coordination = coordination[keep]
    keys = ("pressure", "density", "mean_coordination", "ge_o_peak", "ge_ge_peak", "decorrelation_ps",
            "measured_pressure")
    summary = {f"md_{key}": np.array([c.attrs[key] for c in cells], dtype=float) for key in keys}
    log.info("cut %d clusters from %d cells", len(positions), len(cells))
    return xr.Dataset(
        {
            "positions": (("sample", "atom", "xyz"), positions, {"units": "angstrom"}),
            "numbers": (("atom",), np.array([32] + [8] * n_oxygen + [32] * n_germanium)),
            "pressure": (("sample",), labels["pressure"].astype(float), {"units": "GPa"}),
            "coordination": (("sample",), coordination,
                             {"long_name": f"O within {first_shell_cutoff} Å of the central Ge"}),
            "snapshot": (("sample",), labels["snapshot"],
                         {"long_name": "MD snapshot the cluster is cut from"}),
            "centre": (("sample",), labels["centre"], {"long_name": "index of the central Ge in its cell"}),
            "density": (("sample",), labels["density"], {"units": "g/cm^3", "long_name": "cell density"}),
            "sample_id": (("sample",), np.arange(len(positions))),
        },
        attrs={"description": "Ge-centred clusters cut from melt–quench–compress MD cells of GeO2",
               "first_shell_cutoff": first_shell_cutoff, **summary},
    )

