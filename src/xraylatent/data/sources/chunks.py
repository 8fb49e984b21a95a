"""Chunked spectra of a physics data set: the structures of one chunk, and the chunks gathered into raw.nc.

Spectra are computed in ``n_chunks`` independent jobs, chunk i taking every n_chunks-th structure from the
i-th on, so that each chunk holds a share of every pressure (high-pressure clusters cost several times more)
and the jobs end together; gathering restores the structures' order and drops (and reports) those whose SCF
did not converge, so raw.nc holds finite spectra only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import xarray as xr

log = logging.getLogger(__name__)


def chunk_of(structures: xr.Dataset, index: int, n_chunks: int) -> xr.Dataset:
    """The structures of chunk ``index`` of ``n_chunks``: every ``n_chunks``-th from the ``index``-th on."""
    if not 0 <= index < n_chunks:
        raise ValueError(f"chunk index {index} outside 0..{n_chunks - 1}")
    return structures.isel(sample=np.arange(index, structures.sizes["sample"], n_chunks))


def compute_chunk(structures: xr.Dataset, index: int, n_chunks: int,
                  spectra_of: Callable[[xr.Dataset], xr.Dataset]) -> xr.Dataset:
    """Chunk ``index`` of ``n_chunks`` of ``structures`` with its spectra (``spectra_of`` the chunk), logged."""
    part = chunk_of(structures, index, n_chunks)
    log.info("chunk %d of %d: %d structures", index, n_chunks, part.sizes["sample"])
    spectra = spectra_of(part)
    log.info("chunk %d: %d of %d converged, %.2f CPU s per structure", index, int(spectra["converged"].sum()),
             part.sizes["sample"], float(spectra["cpu_seconds"].mean()) if part.sizes["sample"] else 0.0)
    return part.merge(spectra)


def gather_chunks(chunks: list[xr.Dataset]) -> tuple[xr.Dataset, list]:
    """All chunks as one raw data set in the structures' order (by ``sample_id``) without the unconverged
    structures (renumbered ``sample``), and the sample ids of those dropped; attrs are the first chunk's plus
    ``n_unconverged``."""
    raw = xr.concat(chunks, dim="sample", data_vars="minimal", coords="minimal", compat="equals",
                    combine_attrs="override")
    raw = raw.isel(sample=np.argsort(raw["sample_id"].values, kind="stable"))
    failed = ~raw["converged"].values
    dropped = raw["sample_id"].values[failed].tolist()
    raw = raw.isel(sample=~failed)
    raw = raw.assign_coords(sample=range(raw.sizes["sample"]))
    raw.attrs = {**chunks[0].attrs, "n_unconverged": int(failed.sum())}
    return raw, dropped
