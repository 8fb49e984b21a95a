"""Ge–O coordination polyhedra and the pressure trends of GeO2 glass shared by both GeO2 generators
(docs/physics.md, "GeO2 structures at pressure")."""

from __future__ import annotations

import numpy as np

# Unit bond directions of the ideal tetrahedron, trigonal bipyramid and octahedron, by coordination number.
POLYHEDRA = {
    4: np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) / np.sqrt(3.0),
    5: np.array([[0, 0, 1], [0, 0, -1], [1, 0, 0], [-0.5, np.sqrt(3) / 2, 0], [-0.5, -np.sqrt(3) / 2, 0]]),
    6: np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=float),
}
BOND_BY_CN = {4: 1.74, 5: 1.81, 6: 1.88}  # Å, mean Ge–O bond at 0 GPa by coordination number


def mean_coordination(pressure, midpoint: float = 12.0, width: float = 3.0):
    """Mean Ge coordination at ``pressure`` GPa: a sigmoid from 4 to 6 centred at ``midpoint`` GPa."""
    return 4.0 + 2.0 / (1.0 + np.exp(-(np.asarray(pressure) - midpoint) / width))


def unit(v: np.ndarray) -> np.ndarray:
    """Rows of ``v`` scaled to unit length."""
    return v / np.linalg.norm(v, axis=-1, keepdims=True)
