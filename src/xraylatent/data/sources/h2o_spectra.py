"""O 1s spectra (XPS, XES, XAS) of one H2O geometry from four Kohn–Sham SCFs (docs/physics.md).

1. ground state (restricted): energy E_gs and the O 1s orbital;
2. full core hole, FCH (unrestricted, alpha 1s occupation 0): binding energy BE = E_FCH − E_gs, and the
   XES lines ε_v − ε_hole of the occupied alpha orbitals with intensity ∝ E³ |⟨hole|r|φ_v⟩|²;
3. cation (unrestricted, hole in the HOMO): IP_HOMO = E_cat − E_gs, which places the XES HOMO line at
   BE − IP_HOMO (orbital-energy differences of the FCH state are only good relative to each other);
4. transition potential, TP (alpha 1s occupation 0.5): XAS lines BE + ε_f of the empty alpha orbitals
   with intensity ∝ |⟨1s|r|φ_f⟩|².
The core hole stays on the core by an occupation rule (:class:`CoreHoleUKS`): at every SCF iteration
the hole goes to the alpha orbital of largest overlap with the ground-state O 1s, the rest of the
electrons fill by aufbau. PySCF's ``mom_occ`` cannot hold the fractional TP hole.

Basis and grid are the measured recipe: O decontracted aug-cc-pVDZ (the contracted basis puts BE
2.9 eV too high), H aug-cc-pVDZ, atom grids O (30, 86) and H (20, 50) (within 4 meV of a level-4 grid).
Intensities are in atomic units (bohr², times (E/hartree)³ for XES); spectra keep absolute intensities
so that intensity changes with geometry stay in the data.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import xarray as xr
from pyscf import dft, gto
from pyscf.data.nist import HARTREE2EV

from xraylatent.progress import timing
from xraylatent.spectra import broaden_sticks, energy_grid

log = logging.getLogger(__name__)

ATOM_GRIDS = {"O": (30, 86), "H": (20, 50)}
MIN_CORE_OVERLAP = 0.9  # a converged core hole with less overlap with the ground-state 1s counts as failed
# Broadening grids of the raw spectra by kind, in eV (docs/physics.md); start and stop included.
DEFAULT_GRIDS = {
    "xes": {"start": 515.0, "stop": 530.0, "step": 0.1, "fwhm": 0.5},
    "xas": {"start": 530.0, "stop": 545.0, "step": 0.1, "fwhm": 0.5},
    "xps": {"start": 536.0, "stop": 542.0, "step": 0.05, "fwhm": 0.3},
}


def basis() -> dict:
    """O: decontracted aug-cc-pVDZ (core relaxation needs the flexible core), H: aug-cc-pVDZ."""
    return {"O": gto.uncontract(gto.load("aug-cc-pvdz", "O")), "H": "aug-cc-pvdz"}


def molecule(positions: np.ndarray, charge: int = 0, spin: int = 0) -> gto.Mole:
    """The PySCF molecule of one geometry (O, H, H) in Å."""
    atoms = list(zip(["O", "H", "H"], np.asarray(positions, dtype=float).tolist()))
    return gto.M(atom=atoms, basis=basis(), charge=charge, spin=spin, unit="angstrom", verbose=0)


class CoreHoleUKS(dft.uks.UKS):
    """Unrestricted KS with a (fractional) alpha core hole kept on the core by maximum overlap.

    ``core_ref`` holds the AO coefficients of the ground-state core orbital; ``hole_occ`` is the alpha
    occupation of the hole (0: full core hole, 0.5: transition potential). The electron counts are those
    of the neutral molecule minus what the hole removes.
    """

    _keys = {"core_ref", "hole_occ"}

    def __init__(self, mol: gto.Mole, core_ref: np.ndarray, hole_occ: float):
        super().__init__(mol)
        self.core_ref = core_ref
        self.hole_occ = hole_occ

    def core_overlaps(self, alpha_coeff: np.ndarray) -> np.ndarray:
        """|⟨core_ref|φ⟩| for every alpha orbital φ (columns of ``alpha_coeff``)."""
        return np.abs(self.core_ref @ self.get_ovlp() @ alpha_coeff)

    def hole_index(self, alpha_coeff: np.ndarray) -> int:
        """Index of the alpha orbital with the largest overlap with the reference core orbital."""
        return int(np.argmax(self.core_overlaps(alpha_coeff)))

    def hole_on_core(self) -> bool:
        """Whether the converged hole is still essentially the ground-state core orbital."""
        return bool(self.core_overlaps(self.mo_coeff[0]).max() >= MIN_CORE_OVERLAP)

    def get_occ(self, mo_energy=None, mo_coeff=None):
        """Occupations: ``hole_occ`` on the hole, aufbau for the other n_alpha − 1 alpha and all beta."""
        mo_energy = self.mo_energy if mo_energy is None else mo_energy
        mo_coeff = self.mo_coeff if mo_coeff is None else mo_coeff
        n_alpha, n_beta = self.mol.nelec
        hole = self.hole_index(mo_coeff[0])
        occ = np.zeros_like(np.asarray(mo_energy))
        alpha_order = [i for i in np.argsort(mo_energy[0], kind="stable") if i != hole]
        occ[0, alpha_order[: n_alpha - 1]] = 1.0
        occ[0, hole] = self.hole_occ
        occ[1, np.argsort(mo_energy[1], kind="stable")[:n_beta]] = 1.0
        return occ


@dataclass(frozen=True)
class H2OLines:
    """Stick spectra of one geometry (energies in eV, intensities in atomic units)."""

    binding_energy: float
    xes_energies: np.ndarray
    xes_intensities: np.ndarray
    xas_energies: np.ndarray
    xas_intensities: np.ndarray
    converged: bool
    cpu_seconds: float


def _setup(mf, xc: str, conv_tol: float, max_cycle: int):
    mf.xc = xc
    mf.conv_tol = conv_tol
    mf.max_cycle = max_cycle
    mf.grids.atom_grid = ATOM_GRIDS
    return mf


def o1s_lines(positions: np.ndarray, xc: str = "PBE", conv_tol: float = 1e-6,
              max_cycle: int = 100) -> H2OLines:
    """Binding energy and XES/XAS stick spectra of one geometry; ``converged`` is False when any SCF fails.

    A hole that ends up off the O 1s (overlap with the ground-state 1s below :data:`MIN_CORE_OVERLAP`)
    counts as a failure too. A failed geometry comes back with NaN binding energy and intensities.
    """
    start = time.process_time()
    mol = molecule(positions)
    ground = _setup(dft.RKS(mol), xc, conv_tol, max_cycle)
    ground.kernel()
    core = ground.mo_coeff[:, 0]  # lowest orbital: O 1s
    dm_open = np.array([ground.make_rdm1() / 2] * 2)

    fch = _setup(CoreHoleUKS(mol, core, hole_occ=0.0), xc, conv_tol, max_cycle)
    fch.kernel(dm0=dm_open)
    cation = _setup(dft.UKS(molecule(positions, charge=1, spin=1)), xc, conv_tol, max_cycle)
    cation.kernel(dm0=dm_open)
    tp = _setup(CoreHoleUKS(mol, core, hole_occ=0.5), xc, conv_tol, max_cycle)
    tp.kernel(dm0=dm_open)
    converged = all(mf.converged for mf in (ground, fch, cation, tp))
    converged = converged and fch.hole_on_core() and tp.hole_on_core()

    be = (fch.e_tot - ground.e_tot) * HARTREE2EV
    ip = (cation.e_tot - ground.e_tot) * HARTREE2EV
    with mol.with_common_orig(mol.atom_coord(0)):
        dipole = mol.intor_symmetric("int1e_r")  # (3, nao, nao), origin at O
    xes_e, xes_i = _emission(fch, dipole, be - ip)
    xas_e, xas_i = _absorption(tp, dipole, be)
    if not converged:
        be = np.nan
        xes_i, xas_i = np.full_like(xes_i, np.nan), np.full_like(xas_i, np.nan)
    return H2OLines(be, xes_e, xes_i, xas_e, xas_i, converged, time.process_time() - start)


def _transition_dipoles(dipole: np.ndarray, core: np.ndarray, orbitals: np.ndarray) -> np.ndarray:
    """|⟨core|r|φ⟩|² (bohr²) for each column φ of ``orbitals``."""
    return np.sum(np.einsum("xij,i,jk->xk", dipole, core, orbitals) ** 2, axis=0)


def _emission(fch, dipole: np.ndarray, homo_line: float) -> tuple[np.ndarray, np.ndarray]:
    """XES lines of the FCH alpha channel, shifted so that the HOMO line sits at ``homo_line`` eV."""
    coeff, energy, occ = fch.mo_coeff[0], fch.mo_energy[0], fch.mo_occ[0]
    hole = fch.hole_index(coeff)
    valence = np.flatnonzero(occ > 0.5)
    valence = valence[np.argsort(energy[valence])]
    lines = (energy[valence] - energy[valence[-1]]) * HARTREE2EV + homo_line
    cubed = (lines / HARTREE2EV) ** 3
    return lines, cubed * _transition_dipoles(dipole, coeff[:, hole], coeff[:, valence])


def _absorption(tp, dipole: np.ndarray, binding_energy: float) -> tuple[np.ndarray, np.ndarray]:
    """XAS lines BE + ε_f of the empty TP alpha orbitals with |⟨1s|r|φ_f⟩|² intensities."""
    coeff, energy, occ = tp.mo_coeff[0], tp.mo_energy[0], tp.mo_occ[0]
    hole = tp.hole_index(coeff)
    empty = np.flatnonzero(occ == 0.0)
    empty = empty[np.argsort(energy[empty])]
    lines = binding_energy + energy[empty] * HARTREE2EV
    return lines, _transition_dipoles(dipole, coeff[:, hole], coeff[:, empty])


def spectra_chunk(positions: np.ndarray, grids: dict | None = None, xc: str = "PBE",
                  conv_tol: float = 1e-6, max_cycle: int = 100) -> xr.Dataset:
    """Broadened XES, XAS and XPS spectra of geometries (n, 3, 3), one at a time, logging progress.

    ``grids`` maps each kind to {start, stop, step, fwhm} in eV (default :data:`DEFAULT_GRIDS`). Returns
    ``spectrum_<kind>(sample, energy_<kind>)``, ``binding_energy``, ``converged`` and ``cpu_seconds`` per
    sample; the spectra of an unconverged geometry are NaN.
    """
    grids = {**DEFAULT_GRIDS, **(grids or {})}
    axes = {kind: energy_grid(grid["start"], grid["stop"], grid["step"]) for kind, grid in grids.items()}
    n = len(positions)
    spectra = {kind: np.empty((n, len(axis))) for kind, axis in axes.items()}
    be, converged, cpu = np.empty(n), np.empty(n, dtype=bool), np.empty(n)
    start = time.perf_counter()
    for i, xyz in enumerate(positions):
        lines = o1s_lines(xyz, xc, conv_tol, max_cycle)
        sticks = {
            "xes": (lines.xes_energies, lines.xes_intensities),
            "xas": (lines.xas_energies, lines.xas_intensities),
            "xps": ([lines.binding_energy], [1.0]),
        }
        for kind, (energies, intensities) in sticks.items():
            spectra[kind][i] = broaden_sticks(axes[kind], energies, intensities, grids[kind]["fwhm"])
        be[i], converged[i], cpu[i] = lines.binding_energy, lines.converged, lines.cpu_seconds
        log.info("structure %d/%d: BE %.3f eV, converged %s, %.2f CPU s (failures so far: %d); %s",
                 i + 1, n, be[i], converged[i], cpu[i], int((~converged[: i + 1]).sum()), timing(start, i + 1, n))
    ds = xr.Dataset(
        {
            "binding_energy": (("sample",), be, {"units": "eV", "long_name": "O 1s binding energy"}),
            "converged": (("sample",), converged),
            "cpu_seconds": (("sample",), cpu, {"units": "s"}),
        }
    )
    for kind, axis in axes.items():
        ds[f"spectrum_{kind}"] = (("sample", f"energy_{kind}"), spectra[kind], {"units": "arb. units"})
        ds[f"energy_{kind}"] = ((f"energy_{kind}",), axis, {"units": "eV"})
    return ds
