"""Ge Kβ valence-to-core emission of one Ge-centred structure by the ground-state orbital approach.

The quantum cluster is Ge(OH)n with charge q = 4 − n: the central Ge, its n first-shell O (within
``first_shell_cutoff``) and one H per O at 0.97 Å toward that O's other Ge neighbour (each O its own:
the distinct Ge of least summed O–Ge distance, so edge-sharing O do not cap onto one Ge). Those Ge stay
classical: a point charge −q/n each (+1/5 or +1/3 e, ``pyscf.qmmm.mm_charge``), which binds the
otherwise unbound HOMO of the 5- and 6-fold anions. One scalar-relativistic (X2C) restricted PBE
calculation gives the lines E_v = ε_v − ε_Ge1s with intensity |⟨Ge 1s|r|φ_v⟩|² (origin at the Ge).
Lines are classified by Löwdin character (:func:`classify`): Ge 3d-dominated orbitals (about −24 eV,
inside the O 2s region) are excluded, O 2s-dominated ones form Kβ'', O 2p-dominated ones (bonding with
Ge 4p) Kβ2 (docs/physics.md).
Absolute PBE line energies come out about 180 eV below experiment (orbital energies of the 1s); only
differences and trends are meaningful, so the grid and the line windows are in PBE's absolute scale.

Settings (docs/physics.md): ``reference`` is def2-SVP on every atom and DFT grid level 1; ``cheap`` puts the
capping H in STO-3G and uses grid level 0, costs about a third, and keeps correlation ≥ 0.99 with the
reference for I''/I2, E''−E2, the Kβ2 width and E''; ``fast`` also puts the O in 3-21G, costs half of
``cheap`` again, and follows the reference as closely as ``cheap`` does (the 8 moment targets within 0.97–1.0).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import xarray as xr
from pyscf import dft, gto, qmmm
from pyscf.data.nist import HARTREE2EV
from scipy.optimize import linear_sum_assignment

from xraylatent.progress import timing
from xraylatent.spectra import broaden_sticks, energy_grid

log = logging.getLogger(__name__)

SETTINGS = {
    "fast": {"basis": {"Ge": "def2-svp", "O": "3-21g", "H": "sto-3g"}, "grid_level": 0},
    "cheap": {"basis": {"Ge": "def2-svp", "O": "def2-svp", "H": "sto-3g"}, "grid_level": 0},
    "reference": {"basis": "def2-svp", "grid_level": 1},
}
OH_BOND = 0.97  # Å, capping H
EXCLUDED, KBETA_PP, KBETA2 = 0, 1, 2  # line classes
# Broadening grid of the raw spectrum in eV: both lines, on PBE's absolute scale; start and stop included.
DEFAULT_GRID = {"start": 10895.0, "stop": 10935.0, "step": 0.1, "fwhm": 1.0}


def quantum_cluster(positions: np.ndarray, numbers: np.ndarray, first_shell_cutoff: float = 2.4):
    """Atoms of the Ge(OH)n cluster and the point charges, from one structure centred on a Ge.

    The centre is the Ge nearest the origin. Returns (atoms, charge, mm_coords, mm_charges): ``atoms`` a
    PySCF atom list (Ge at the origin), ``charge`` = 4 − n, and the n capping-Ge positions with −q/n each.
    """
    positions, numbers = np.asarray(positions, dtype=float), np.asarray(numbers)
    germanium = np.flatnonzero(numbers == 32)
    centre = germanium[np.argmin(np.linalg.norm(positions[germanium], axis=1))]
    xyz = positions - positions[centre]
    others = germanium[germanium != centre]
    oxygens = np.flatnonzero((numbers == 8) & (np.linalg.norm(xyz, axis=1) <= first_shell_cutoff))
    n = len(oxygens)
    if len(others) < n:
        raise ValueError(f"{n} first-shell O but only {len(others)} other Ge to cap them toward")
    distance = np.linalg.norm(xyz[oxygens][:, None] - xyz[others][None], axis=-1)
    caps = xyz[others[linear_sum_assignment(distance)[1]]]
    directions = caps - xyz[oxygens]
    hydrogens = xyz[oxygens] + OH_BOND * directions / np.linalg.norm(directions, axis=1, keepdims=True)
    atoms = [("Ge", [0.0, 0.0, 0.0])]
    atoms += [("O", p.tolist()) for p in xyz[oxygens]] + [("H", p.tolist()) for p in hydrogens]
    charge = 4 - n
    return atoms, charge, caps, np.full(n, -charge / n)


@dataclass(frozen=True)
class KbetaLines:
    """Stick spectrum of one structure: energies (eV), intensities (bohr²), class per line."""

    energies: np.ndarray
    intensities: np.ndarray
    classes: np.ndarray  # EXCLUDED (Ge 3d), KBETA_PP (O 2s), KBETA2 (O 2p)
    converged: bool
    cpu_seconds: float


def kbeta_lines(positions: np.ndarray, numbers: np.ndarray, setting: str = "cheap", xc: str = "PBE",
                conv_tol: float = 1e-7, max_cycle: int = 100, first_shell_cutoff: float = 2.4,
                valence_above: float = -50.0) -> KbetaLines:
    """Kβ lines of the occupied orbitals above ``valence_above`` eV; NaN intensities when the SCF fails."""
    start = time.process_time()
    atoms, charge, mm_coords, mm_charges = quantum_cluster(positions, numbers, first_shell_cutoff)
    options = SETTINGS[setting]
    mol = gto.M(atom=atoms, basis=options["basis"], charge=charge, unit="angstrom", verbose=0)
    mf = dft.RKS(mol).x2c()
    if charge != 0:
        mf = qmmm.mm_charge(mf, mm_coords, mm_charges, unit="angstrom")
    mf.xc, mf.conv_tol, mf.max_cycle, mf.grids.level = xc, conv_tol, max_cycle, options["grid_level"]
    mf.kernel()

    energy, coeff, occ = mf.mo_energy * HARTREE2EV, mf.mo_coeff, mf.mo_occ
    core = int(np.argmin(energy))  # Ge 1s
    valence = np.flatnonzero((occ > 0) & (energy > valence_above))
    with mol.with_common_orig(mol.atom_coord(0)):
        dipole = mol.intor_symmetric("int1e_r")
    intensities = np.sum(np.einsum("xij,i,jk->xk", dipole, coeff[:, core], coeff[:, valence]) ** 2, axis=0)
    if not mf.converged:
        intensities = np.full_like(intensities, np.nan)
    classes = classify(mol, mf.get_ovlp(), coeff[:, valence])
    return KbetaLines(energy[valence] - energy[core], intensities, classes, bool(mf.converged),
                      time.process_time() - start)


def classify(mol: gto.Mole, overlap: np.ndarray, orbitals: np.ndarray) -> np.ndarray:
    """Line class of each orbital: the largest of its Löwdin shares on Ge 3d, O 2s and O 2p.

    Ge 3d counts every Ge d function (def2-SVP splits the 3d shell and adds a polarization d), O 2s every
    O s function but the 1s, O 2p every O p function. Ge 4s/4p and the capping H mix into both valence
    bands, so they do not vote: an O 2s orbital with a large H share is still Kβ''.
    """
    values, vectors = np.linalg.eigh(overlap)
    lowdin = (vectors * np.sqrt(values)) @ vectors.T @ orbitals
    share = lowdin**2 / np.sum(lowdin**2, axis=0)
    labels = mol.ao_labels(fmt=False)  # (atom, symbol, "nl", m), e.g. (0, "Ge", "3d", "xy")
    groups = [  # in the order of the class constants EXCLUDED, KBETA_PP, KBETA2
        [symbol == "Ge" and shell.endswith("d") for _, symbol, shell, _ in labels],
        [symbol == "O" and shell.endswith("s") and shell != "1s" for _, symbol, shell, _ in labels],
        [symbol == "O" and shell.endswith("p") for _, symbol, shell, _ in labels],
    ]
    return np.argmax([share[np.array(group)].sum(axis=0) for group in groups], axis=0)


def spectra_chunk(positions: np.ndarray, numbers: np.ndarray, grid=DEFAULT_GRID, setting: str = "cheap",
                  **options) -> xr.Dataset:
    """Broadened Kβ spectra of structures (n, atom, 3), one at a time, logging progress.

    ``numbers`` is (atom,) or (n, atom); ``grid`` is {start, stop, step, fwhm} in eV; ``options`` go to
    :func:`kbeta_lines`. Returns ``spectrum_kbeta`` (Ge 3d lines excluded); beside it the line-resolved
    ``kbeta_by_line(sample, line, energy_kbeta)`` (to check the moment windows), the total ``intensity``
    and ``centroid`` of each line, ``converged`` and ``cpu_seconds``. An unconverged structure is NaN.
    """
    axis = energy_grid(grid["start"], grid["stop"], grid["step"])
    n = len(positions)
    numbers = np.broadcast_to(numbers, np.shape(positions)[:2])
    by_line = np.empty((n, 2, len(axis)))
    intensity, centroid = np.empty((n, 2)), np.empty((n, 2))
    converged, cpu = np.empty(n, dtype=bool), np.empty(n)
    start = time.perf_counter()
    for i in range(n):
        lines = kbeta_lines(positions[i], numbers[i], setting, **options)
        for j, line in enumerate((KBETA_PP, KBETA2)):
            mask = lines.classes == line
            by_line[i, j] = broaden_sticks(axis, lines.energies[mask], lines.intensities[mask], grid["fwhm"])
            intensity[i, j] = lines.intensities[mask].sum()
            centroid[i, j] = lines.energies[mask] @ lines.intensities[mask] / intensity[i, j]
        converged[i], cpu[i] = lines.converged, lines.cpu_seconds
        log.info("structure %d/%d: I''/I2 %.3f, converged %s, %.2f CPU s (failures so far: %d); %s",
                 i + 1, n, intensity[i, 0] / intensity[i, 1], converged[i], cpu[i],
                 int((~converged[: i + 1]).sum()), timing(start, i + 1, n))
    line_names = ["kbeta_pp", "kbeta2"]
    return xr.Dataset(
        {
            "spectrum_kbeta": (("sample", "energy_kbeta"), by_line.sum(axis=1), {"units": "arb. units"}),
            "kbeta_by_line": (("sample", "line", "energy_kbeta"), by_line, {"units": "arb. units"}),
            "intensity": (("sample", "line"), intensity, {"units": "bohr^2"}),
            "centroid": (("sample", "line"), centroid, {"units": "eV"}),
            "converged": (("sample",), converged),
            "cpu_seconds": (("sample",), cpu, {"units": "s"}),
        },
        coords={"energy_kbeta": ("energy_kbeta", axis, {"units": "eV"}), "line": line_names},
    )
