"""H2O geometries like hot ab initio MD: many short GFN2-xTB NVE trajectories of one molecule.

A three-atom NVE trajectory is not ergodic (one run keeps its own mean angle), so the sample is drawn
from many short trajectories, each with its own seeded Maxwell–Boltzmann start (docs/physics.md). Each
trajectory starts at the experimental gas-phase geometry with velocities drawn at temperature T, the
centre-of-mass motion removed and the kinetic energy rescaled to exactly 3/2 N k_B T (ASE's
temperature), so every trajectory starts with the same energy, as in the study (docs/method.md §3). After
``equilibration_steps`` velocity-Verlet steps one snapshot is kept every ``stride`` steps.

Snapshots in which an O–H bond exceeds ``dissociation_cutoff`` are dropped and counted: they are not
water any more, and the spectra of a broken molecule are not what the data set is about.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import xarray as xr
from ase import Atoms, units
from ase.md.velocitydistribution import Stationary, thermalize_momenta
from ase.md.verlet import VelocityVerlet
from tblite.ase import TBLite

log = logging.getLogger(__name__)

NUMBERS = np.array([8, 1, 1])  # O first, then the two H
EXPERIMENTAL_BOND = 0.957  # Å, gas-phase equilibrium (start geometry of every trajectory)
EXPERIMENTAL_ANGLE = 104.5  # degrees


def water(bond1: float = EXPERIMENTAL_BOND, bond2: float = EXPERIMENTAL_BOND,
          angle: float = EXPERIMENTAL_ANGLE) -> np.ndarray:
    """Positions (O, H, H) in Å of a water molecule with O at the origin, in the xy plane."""
    a = np.deg2rad(angle)
    return np.array([[0.0, 0.0, 0.0], [bond1, 0.0, 0.0], [bond2 * np.cos(a), bond2 * np.sin(a), 0.0]])


def oh_bonds(positions: np.ndarray) -> np.ndarray:
    """The two O–H distances (..., 2) in Å of positions (..., 3, 3) ordered O, H, H."""
    return np.linalg.norm(positions[..., 1:, :] - positions[..., :1, :], axis=-1)


def run_trajectory(rng: np.random.Generator, n_snapshots: int, temperature: float = 10_000.0,
                   timestep: float = 0.25, equilibration_steps: int = 200, stride: int = 40
                   ) -> tuple[np.ndarray, np.ndarray]:
    """One GFN2-xTB NVE trajectory: snapshot positions (n_snapshots, 3, 3) [Å] and times [fs].

    Snapshot k is taken after ``equilibration_steps + (k + 1) * stride`` steps of ``timestep`` fs.
    """
    atoms = Atoms(numbers=NUMBERS, positions=water())
    atoms.calc = TBLite(method="GFN2-xTB", verbosity=0)
    thermalize_momenta(atoms, temperature, exact_temperature=True, rng=rng)  # Maxwell–Boltzmann
    Stationary(atoms, preserve_temperature=True)
    dynamics = VelocityVerlet(atoms, timestep=timestep * units.fs)
    dynamics.run(equilibration_steps)
    positions = np.empty((n_snapshots, len(atoms), 3))
    for k in range(n_snapshots):
        dynamics.run(stride)
        positions[k] = atoms.get_positions()
    times = timestep * (equilibration_steps + stride * np.arange(1, n_snapshots + 1))
    return positions, times


def sample_h2o(n_trajectories: int = 20, snapshots_per_trajectory: int = 50, temperature: float = 10_000.0,
               timestep: float = 0.25, equilibration_steps: int = 200, stride: int = 40,
               dissociation_cutoff: float = 2.0, seed: int = 0) -> xr.Dataset:
    """Snapshots of many seeded trajectories as a structures Dataset (raw.nc layout without spectra).

    Trajectory ``t`` draws its velocities from the ``t``-th child of ``numpy.random.SeedSequence(seed)``,
    so the result is identical for the same arguments and a trajectory does not change when more are
    added. Snapshots with an O–H bond longer than ``dissociation_cutoff`` (Å) are dropped; their number
    is the attribute ``n_dissociated``. ``sample_id`` = trajectory × snapshots_per_trajectory + snapshot
    stays the same whatever is dropped.
    """
    children = np.random.SeedSequence(seed).spawn(n_trajectories)
    positions, times, trajectory = [], [], []
    start = time.process_time()
    for t, child in enumerate(children):
        pos, tim = run_trajectory(np.random.default_rng(child), snapshots_per_trajectory, temperature,
                                  timestep, equilibration_steps, stride)
        positions.append(pos)
        times.append(tim)
        trajectory.append(np.full(snapshots_per_trajectory, t))
        log.info("trajectory %d/%d done (%.1f CPU s so far)", t + 1, n_trajectories,
                 time.process_time() - start)
    positions, times, trajectory = (np.concatenate(a) for a in (positions, times, trajectory))
    sample_id = np.arange(len(positions))
    keep = ~dissociated(positions, dissociation_cutoff)
    n_dropped = int((~keep).sum())
    log.info("dropped %d of %d snapshots with an O–H bond over %.2f Å", n_dropped, len(keep),
             dissociation_cutoff)
    return structures_dataset(positions[keep], times[keep], trajectory[keep], sample_id[keep],
                              n_dissociated=n_dropped, temperature=temperature,
                              dissociation_cutoff=dissociation_cutoff)


def dissociated(positions: np.ndarray, cutoff: float) -> np.ndarray:
    """Boolean (n,): whether a snapshot has an O–H bond longer than ``cutoff`` (Å)."""
    return (oh_bonds(positions) > cutoff).any(axis=-1)


def structures_dataset(positions: np.ndarray, times: np.ndarray, trajectory: np.ndarray,
                       sample_id: np.ndarray, **attrs) -> xr.Dataset:
    """The structures file: positions, numbers and the trajectory/time labels of each snapshot."""
    return xr.Dataset(
        {
            "positions": (("sample", "atom", "xyz"), positions, {"units": "angstrom"}),
            "numbers": (("atom",), NUMBERS),
            "trajectory": (("sample",), trajectory),
            "time": (("sample",), times, {"units": "fs", "long_name": "time since the trajectory start"}),
            "sample_id": (("sample",), sample_id),
        },
        attrs={"description": "H2O snapshots of GFN2-xTB NVE trajectories", **attrs},
    )
