"""Rigid-ion pair potentials for oxide glasses: Coulomb between fixed partial charges plus a short-range term
per pair of elements (docs/physics.md, "GeO2 from molecular dynamics"):

    φ_ij(r) = q_i q_j e² / (4πε0 r) + A exp(−r/ρ) − C / r⁶ + D / rⁿ

A Buckingham (A, ρ, C) term with a repulsive D/rⁿ wall: the wall removes the unphysical collapse of
Buckingham potentials at short range (the −C/r⁶ and Coulomb attraction outgrowing the exponential), which a
melt at thousands of kelvin would otherwise find. The potential is data (config), never code: the published
parameters of a potential are entered with their source, and :meth:`PairPotential.check` refuses a potential
that still collapses, naming the pair and the distance.

The short-range part is handed to the MD engine as a table (LAMMPS ``pair_style table``), the Coulomb part
to its Ewald/PPPM solver, so any short-range form runs without engine code of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

COULOMB_EV_ANGSTROM = 14.399645  # e²/(4πε0) in eV Å (CODATA 2018)


class PotentialError(ValueError):
    """A pair potential that is incomplete, not neutral for its cell, or collapses at short range."""


@dataclass(frozen=True)
class PairTerm:
    """Short-range interaction of one pair of elements: A exp(−r/ρ) − C/r⁶ + D/rⁿ (eV, Å)."""

    A: float = 0.0
    rho: float = 1.0
    C: float = 0.0
    D: float = 0.0
    n: int = 24

    def __post_init__(self):
        if self.rho <= 0 or self.A < 0 or self.C < 0 or self.D < 0 or self.n < 7:
            raise PotentialError(f"pair term needs rho > 0, A, C, D ≥ 0 and n ≥ 7, got {self}")

    def energy(self, r: np.ndarray) -> np.ndarray:
        return self.A * np.exp(-r / self.rho) - self.C / r**6 + self.D / r**self.n

    def force(self, r: np.ndarray) -> np.ndarray:
        """−dφ/dr (eV/Å)."""
        return self.A / self.rho * np.exp(-r / self.rho) - 6 * self.C / r**7 + self.n * self.D / r ** (self.n + 1)


@dataclass(frozen=True)
class PairPotential:
    """Charges (e) per element and a :class:`PairTerm` per unordered pair "A-B"; ``reference`` says where
    the numbers come from."""

    charges: Mapping[str, float]
    pairs: Mapping[str, PairTerm]
    reference: str = ""
    elements: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "elements", tuple(self.charges))
        missing = [f"{a}-{b}" for i, a in enumerate(self.elements) for b in self.elements[i:]
                   if self.term(a, b) is None]
        if missing:
            raise PotentialError(f"no pair term for {', '.join(missing)} (give every pair, zeros for none)")
        unknown = [name for name in self.pairs if not set(name.split("-")) <= set(self.elements)]
        if unknown:
            raise PotentialError(f"pair terms {unknown} name elements without a charge {list(self.elements)}")

    @classmethod
    def from_config(cls, config: Mapping) -> PairPotential:
        """From ``{charges: {Ge: 2.4, O: -1.2}, pairs: {Ge-O: {A:, rho:, C:, D:, n:}}, reference: ...}``."""
        return cls({el: float(q) for el, q in config["charges"].items()},
                   {name: PairTerm(**term) for name, term in config["pairs"].items()},
                   config.get("reference", ""))

    def term(self, a: str, b: str) -> PairTerm | None:
        return self.pairs.get(f"{a}-{b}", self.pairs.get(f"{b}-{a}"))

    def total_energy(self, a: str, b: str, r: np.ndarray) -> np.ndarray:
        """Short-range plus bare Coulomb energy (eV) of one a–b pair at distances ``r`` (Å)."""
        return self.term(a, b).energy(r) + COULOMB_EV_ANGSTROM * self.charges[a] * self.charges[b] / r

    def check(self, composition: Mapping[str, int], inner: float = 0.5, outer: float = 3.0) -> None:
        """Raise :class:`PotentialError` unless the cell ``composition`` is neutral and every pair's energy
        rises monotonically as two atoms approach from ``outer`` down to ``inner`` Å once it has passed its
        minimum (no second, deeper well: the Buckingham catastrophe)."""
        charge = sum(self.charges[el] * n for el, n in composition.items())
        if abs(charge) > 1e-6:
            raise PotentialError(f"cell {dict(composition)} carries a net charge {charge:+.4f} e with charges "
                                 f"{dict(self.charges)}")
        r = np.linspace(inner, outer, 4000)
        for i, a in enumerate(self.elements):
            for b in self.elements[i:]:
                energy = self.total_energy(a, b, r)
                well = int(np.argmin(energy))
                inside = energy[: well + 1]
                if well == 0 or np.any(np.diff(inside) > 0):
                    bad = r[int(np.argmin(inside))] if well else r[0]
                    raise PotentialError(
                        f"pair {a}-{b} collapses: its energy keeps falling toward {bad:.2f} Å (down to "
                        f"{inner} Å), the Buckingham catastrophe; add a repulsive wall D/r^n to its term")

    def lammps_table(self, inner: float, cutoff: float, points: int) -> str:
        """The short-range terms as a LAMMPS ``pair_style table`` file: one section per pair, named "A-B"."""
        r = np.linspace(inner, cutoff, points)
        sections = []
        for i, a in enumerate(self.elements):
            for b in self.elements[i:]:
                term = self.term(a, b)
                rows = "\n".join(f"{k + 1} {x:.10f} {e:.12e} {f:.12e}"
                                 for k, (x, e, f) in enumerate(zip(r, term.energy(r), term.force(r))))
                sections.append(f"{a}-{b}\nN {points} R {inner} {cutoff}\n\n{rows}\n")
        return "# xraylatent pair potential: " + (self.reference or "no reference given") + "\n\n" + "\n".join(
            sections)
