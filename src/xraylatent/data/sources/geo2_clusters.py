"""Parametric Ge-centred GeO2 network fragments at pressure (docs/physics.md): a stand-in for MD structures.

Not molecular dynamics: every cluster is drawn from a few measured trends, which is free and gives
sensible pressure dependence (realistic glasses need a melt-quench MD, see docs/physics.md):
- coordination: mean CN(P) = 4 + 2 / (1 + exp(−(P − 12 GPa) / 3 GPa)); each cluster draws the integer
  CN ∈ {⌊CN(P)⌋, ⌈CN(P)⌉} with that mean;
- Ge–O bond: 1.74 / 1.81 / 1.88 Å for CN 4 / 5 / 6, minus 0.0008 Å/GPa, plus Gaussian thermal noise;
- polyhedra: tetrahedron, trigonal bipyramid, octahedron in a random orientation, each bond direction
  perturbed by Gaussian angles;
- bridging: every first-shell O links to one more Ge, 1.75 Å away, at a Ge–O–Ge angle 130° − 0.3°·P
  (plus angular noise); the azimuth about the Ge–O bond is the best of a few random draws, the one
  clearest of the other O and Ge (:func:`bridge`);
- second shell: each bridging Ge has its own polyhedron (its own CN draw) sharing the bridging O; its
  other O are kept unless they fall inside the central first shell or closer than ``min_gap`` to an O
  or another Ge already placed (an O that close would be the same, edge-shared O).

Every cluster has the same atoms in the same order (:attr:`ClusterModel.numbers`), so no padding is needed:
the central Ge at the origin; ``n_oxygen`` O (the CN first-shell O, then the second-shell O nearest the
centre); ``n_germanium`` Ge (the bridging Ge of first-shell O k at Ge slot k, then Ge bridged from the
nearest second-shell O). The featurizer (Coulomb matrix) reads the nearest O and Ge from this; the
spectrum calculation (:mod:`geo2_spectra`) rebuilds the Ge(OH)n cluster from it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.spatial.transform import Rotation

from xraylatent.data.sources.geo2_geometry import BOND_BY_CN, POLYHEDRA, mean_coordination, unit

log = logging.getLogger(__name__)

DEFAULT_PRESSURES = tuple(float(p) for p in np.linspace(0.0, 120.0, 11))  # GPa


@dataclass(frozen=True)
class ClusterModel:
    """Parameters of the generator (lengths in Å, angles in degrees or radians as named, P in GPa)."""

    bond_cn4: float = BOND_BY_CN[4]
    bond_cn5: float = BOND_BY_CN[5]
    bond_cn6: float = BOND_BY_CN[6]
    bond_per_gpa: float = 0.0008
    bond_noise: float = 0.04
    angle_noise_rad: float = 0.08
    bridge_angle_deg: float = 130.0
    bridge_angle_per_gpa: float = 0.3
    bridge_distance: float = 1.75
    cn_midpoint_gpa: float = 12.0
    cn_width_gpa: float = 3.0
    first_shell_cutoff: float = 2.4
    min_gap: float = 2.2
    min_ge_gap: float = 2.6
    n_oxygen: int = 12
    n_germanium: int = 6
    azimuth_draws: int = 32
    bridge_sweeps: int = 2

    def __post_init__(self):
        if not self.n_oxygen >= self.n_germanium >= 6:
            raise ValueError(f"need n_oxygen ≥ n_germanium ≥ 6 (a bridging Ge per first-shell O, extra Ge "
                             f"bridged from second-shell O), got {self.n_oxygen} and {self.n_germanium}")

    def mean_coordination(self, pressure: float) -> float:
        return mean_coordination(pressure, self.cn_midpoint_gpa, self.cn_width_gpa)

    def bond(self, cn: int, pressure: float, rng: np.random.Generator, size=None) -> np.ndarray:
        base = {4: self.bond_cn4, 5: self.bond_cn5, 6: self.bond_cn6}[cn]
        return base - self.bond_per_gpa * pressure + self.bond_noise * rng.standard_normal(size)

    @property
    def numbers(self) -> np.ndarray:
        return np.array([32] + [8] * self.n_oxygen + [32] * self.n_germanium)


def draw_coordination(model: ClusterModel, pressure: float, rng: np.random.Generator) -> int:
    """An integer CN from the two nearest to the mean CN(P), with probabilities that give that mean."""
    mean = model.mean_coordination(pressure)
    low = int(np.floor(mean))
    return min(6, low + int(rng.random() < mean - low))


def polyhedron(cn: int, model: ClusterModel, rng: np.random.Generator, toward=None) -> np.ndarray:
    """Perturbed unit bond directions (cn, 3) of a random orientation; vertex 0 along ``toward`` if given."""
    ideal = POLYHEDRA[cn][rng.permutation(cn)]
    if toward is None:
        rotation = Rotation.random(rng=rng)
    else:
        align, _ = Rotation.align_vectors([unit(np.asarray(toward, dtype=float))], [ideal[0]])
        rotation = align * Rotation.from_rotvec(ideal[0] * rng.uniform(0, 2 * np.pi))
    directions = rotation.apply(ideal)
    noise = model.angle_noise_rad * rng.standard_normal(directions.shape)
    noise -= np.sum(noise * directions, axis=1, keepdims=True) * directions  # perpendicular kick
    directions = unit(directions + noise)
    if toward is not None:
        directions[0] = unit(np.asarray(toward, dtype=float))
    return directions


def bridge(oxygen: np.ndarray, germanium: np.ndarray, pressure: float, model: ClusterModel,
           rng: np.random.Generator, other_ge: np.ndarray, other_o: np.ndarray) -> np.ndarray:
    """Position of a Ge bonded to ``oxygen`` at the Ge–O–Ge angle from ``germanium``.

    Of ``azimuth_draws`` random azimuths about the O–Ge bond, the one with the largest clearance: the
    smaller of (distance to ``other_ge`` − ``min_ge_gap``) and (distance to ``other_o`` − ``min_gap``).
    """
    angle = np.deg2rad(model.bridge_angle_deg - model.bridge_angle_per_gpa * pressure)
    angle += model.angle_noise_rad * rng.standard_normal()
    back = unit(germanium - oxygen)
    side = unit(np.cross(back, rng.standard_normal(3)))
    other = np.cross(back, side)
    azimuths = rng.uniform(0, 2 * np.pi, model.azimuth_draws)
    around = np.cos(azimuths)[:, None] * side + np.sin(azimuths)[:, None] * other
    candidates = oxygen + model.bridge_distance * (np.cos(angle) * back + np.sin(angle) * around)
    ge_gap = np.linalg.norm(candidates[:, None] - other_ge[None], axis=-1).min(axis=1)
    o_gap = np.linalg.norm(candidates[:, None] - other_o[None], axis=-1).min(axis=1)
    return candidates[np.argmax(np.minimum(ge_gap - model.min_ge_gap, o_gap - model.min_gap))]


def build_cluster(pressure: float, rng: np.random.Generator, model: ClusterModel = ClusterModel(),
                  max_tries: int = 20) -> tuple[np.ndarray, int]:
    """Positions (1 + n_oxygen + n_germanium, 3) in Å of one fragment at ``pressure`` GPa, and its CN."""
    cn = draw_coordination(model, pressure, rng)
    first_o = polyhedron(cn, model, rng) * model.bond(cn, pressure, rng, cn)[:, None]
    centre = np.zeros(3)
    bridging = np.full((cn, 3), np.inf)  # not placed yet: infinitely far
    for _ in range(model.bridge_sweeps):
        for k in range(cn):
            other_ge = np.vstack([centre, np.delete(bridging, k, axis=0)])
            other_o = np.delete(first_o, k, axis=0)
            bridging[k] = bridge(first_o[k], centre, pressure, model, rng, other_ge, other_o)
    for _ in range(max_tries):
        second_o, owner = _second_shell(first_o, bridging, pressure, model, rng)
        if len(second_o) >= model.n_oxygen - cn:
            break
    else:
        raise RuntimeError(f"no room for {model.n_oxygen - cn} second-shell O at {pressure} GPa")
    keep = np.argsort(np.linalg.norm(second_o, axis=1), kind="stable")[: model.n_oxygen - cn]
    second_o, owner = second_o[keep], owner[keep]
    extra_ge = []
    for j, ge in enumerate(bridging[owner[: model.n_germanium - cn]]):
        other_o = np.vstack([first_o, np.delete(second_o, j, axis=0)])
        other_ge = np.vstack([centre, bridging, *extra_ge])
        extra_ge.append(bridge(second_o[j], ge, pressure, model, rng, other_ge, other_o)[None])
    return np.vstack([centre, first_o, second_o, bridging, *extra_ge]), cn


def _second_shell(first_o, bridging, pressure, model, rng) -> tuple[np.ndarray, np.ndarray]:
    """Candidate second-shell O around each bridging Ge and the index of the Ge each belongs to."""
    oxygens, owners = [], []
    for k, (o, ge) in enumerate(zip(first_o, bridging)):
        cn = draw_coordination(model, pressure, rng)
        bonds = model.bond(cn, pressure, rng, cn - 1)
        others = np.delete(bridging, k, axis=0)
        for position in ge + polyhedron(cn, model, rng, toward=o - ge)[1:] * bonds[:, None]:
            placed = np.vstack([first_o, others, *oxygens])
            if (np.linalg.norm(position) > model.first_shell_cutoff
                    and np.linalg.norm(placed - position, axis=1).min() > model.min_gap):
                oxygens.append(position[None])
                owners.append(k)
    return (np.vstack(oxygens) if oxygens else np.empty((0, 3))), np.array(owners, dtype=int)


def generate_clusters(pressures=DEFAULT_PRESSURES, per_pressure: int = 100, seed: int = 0,
                      model: ClusterModel = ClusterModel()) -> xr.Dataset:
    """``per_pressure`` clusters at each pressure as a structures Dataset (raw.nc layout, no spectra).

    Pressure ``i`` draws from the ``i``-th child of ``numpy.random.SeedSequence(seed)``, so results are
    identical for the same arguments, and appending pressures or raising ``per_pressure`` keeps the
    clusters drawn before.
    """
    children = np.random.SeedSequence(seed).spawn(len(pressures))
    positions, cn, pressure = [], [], []
    for p, child in zip(pressures, children):
        rng = np.random.default_rng(child)
        for _ in range(per_pressure):
            xyz, n = build_cluster(p, rng, model)
            positions.append(xyz)
            cn.append(n)
            pressure.append(float(p))
        log.info("%d clusters at %.1f GPa, mean CN %.2f", per_pressure, p, np.mean(cn[-per_pressure:]))
    n = len(positions)
    return xr.Dataset(
        {
            "positions": (("sample", "atom", "xyz"), np.array(positions), {"units": "angstrom"}),
            "numbers": (("atom",), model.numbers),
            "pressure": (("sample",), np.array(pressure), {"units": "GPa"}),
            "coordination": (("sample",), np.array(cn), {"long_name": "Ge coordination number"}),
            "sample_id": (("sample",), np.arange(n)),
        },
        attrs={"description": "parametric Ge-centred GeO2 fragments (docs/physics.md trends, not MD)"},
    )
