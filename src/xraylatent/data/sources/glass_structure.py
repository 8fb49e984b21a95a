"""Structure of periodic glass cells: minimum-image distances, coordination numbers, radial distribution
functions and their first peaks, and the decorrelation time of local structure along a trajectory.

Cells are orthorhombic (edge lengths per snapshot), as the MD of :mod:`lammps_md` produces.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d


def displacements(frm: np.ndarray, to: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Minimum-image vectors (len(frm), len(to), 3) from each of ``frm`` to each of ``to`` in a cell."""
    d = to[None, :, :] - frm[:, None, :]
    return d - cell * np.round(d / cell)


def coordination(positions: np.ndarray, cell: np.ndarray, centres: np.ndarray, neighbours: np.ndarray,
                 cutoff: float) -> np.ndarray:
    """Number of ``neighbours`` atoms within ``cutoff`` Å of each of the ``centres`` atoms (index arrays)."""
    distance = np.linalg.norm(displacements(positions[centres], positions[neighbours], cell), axis=-1)
    return np.sum((distance < cutoff) & (distance > 0), axis=1)


def rdf(positions: np.ndarray, cells: np.ndarray, first: np.ndarray, second: np.ndarray,
        r_max: float, bins: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Partial radial distribution g(r) of ``second`` around ``first`` averaged over snapshots (positions
    (snapshot, atom, 3), cells (snapshot, 3)); returns bin centres (Å) and g."""
    edges = np.linspace(0.0, r_max, bins + 1)
    counts = np.zeros(bins)
    same = np.array_equal(first, second)
    density = 0.0  # summed over snapshots
    for xyz, cell in zip(positions, cells):
        distance = np.linalg.norm(displacements(xyz[first], xyz[second], cell), axis=-1)
        if same:
            distance = distance[~np.eye(len(first), dtype=bool)]
        counts += np.histogram(distance.ravel(), edges)[0]
        density += (len(second) - same) / np.prod(cell)
    shell = 4.0 / 3.0 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
    ideal = shell * density * len(first)  # counts of an ideal gas of the same density, all snapshots
    return 0.5 * (edges[1:] + edges[:-1]), counts / ideal


def first_peak(r: np.ndarray, g: np.ndarray, r_min: float = 0.0, r_max: float = np.inf, smooth: float = 0.05
               ) -> float:
    """Position (Å) of the highest g(r) between ``r_min`` and ``r_max`` after a Gaussian smoothing of
    ``smooth`` Å (the histogram of a small cell is noisy), refined by a parabola through the highest bin and
    its two neighbours."""
    if smooth > 0:
        g = gaussian_filter1d(g, smooth / (r[1] - r[0]), mode="nearest")
    inside = np.flatnonzero((r >= r_min) & (r <= r_max))
    k = inside[np.argmax(g[inside])]
    if 0 < k < len(r) - 1:
        lower, top, upper = g[k - 1 : k + 2]
        curvature = lower - 2 * top + upper
        if curvature < 0:
            return float(r[k] + 0.5 * (lower - upper) / curvature * (r[1] - r[0]))
    return float(r[k])


def first_minimum(r: np.ndarray, g: np.ndarray, after: float, before: float) -> float:
    """Position (Å) of the lowest g(r) between ``after`` and ``before``: the natural coordination cutoff."""
    inside = np.flatnonzero((r > after) & (r < before))
    return float(r[inside[np.argmin(g[inside])]])


def decorrelation_time(series: np.ndarray, dt: float) -> float:
    """Time (units of ``dt``) after which the autocorrelation of the fluctuations of ``series`` (time, ...)
    first drops below 1/e, averaged over the trailing axes; the length of the series if it never does."""
    x = np.asarray(series, dtype=float).reshape(len(series), -1)
    x = x - x.mean(axis=0)
    variance = np.sum(x * x, axis=0)
    x = x[:, variance > 0]
    if x.shape[1] == 0:
        return 0.0
    n = len(x)
    acf = np.array([np.sum(x[: n - lag] * x[lag:]) / np.sum(x * x) * n / (n - lag) for lag in range(n // 2)])
    below = np.flatnonzero(acf < np.exp(-1.0))
    return float(below[0] * dt) if len(below) else float(n * dt)
