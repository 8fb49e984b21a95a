"""Chunk results and the leaderboard: the ``selection/{model}/chunk_{i}.nc`` and ``leaderboard.nc`` layouts."""

from __future__ import annotations

import numpy as np
import xarray as xr

from xraylatent.selection.candidates import HYPERPARAMETERS
from xraylatent.selection.search import best_candidate


def chunk_dataset(candidates: list[dict], result: dict) -> xr.Dataset:
    """The ``selection/{model}/chunk_{i}.nc`` layout: one row per candidate, CV R² per fold."""
    ids = [c["candidate"] for c in candidates]
    columns = {name: (("candidate",), np.array([c[name] for c in candidates])) for name in HYPERPARAMETERS}
    return xr.Dataset(
        {
            **columns,
            "cv_r2": (("candidate", "fold"), result["cv_r2"], {"units": "1"}),
            "mean_cv_r2": (("candidate",), result["cv_r2"].mean(axis=1), {"units": "1"}),
            "epochs": (("candidate", "fold"), result["epochs"]),
            "fit_time": (("candidate",), result["fit_time"], {"units": "s"}),
            "round": (("candidate",), result["round"],
                      {"description": "last successive-halving round reached (0-based)"}),
        },
        coords={"candidate": ids, "fold": np.arange(result["cv_r2"].shape[1])},
    )


def leaderboard(chunks: list[xr.Dataset]) -> xr.Dataset:
    """All chunks' candidates, best first; the winner's hyperparameters are in attrs ``best_*``."""
    board = xr.concat(chunks, dim="candidate")
    order = np.argsort(-np.nan_to_num(board["mean_cv_r2"].values, nan=-np.inf), kind="stable")
    board = board.isel(candidate=order)
    best = best_candidate(board["mean_cv_r2"].values, board["round"].values)
    board.attrs.update({f"best_{name}": board[name].values[best].item() for name in HYPERPARAMETERS})
    board.attrs.update(best_candidate=int(board["candidate"].values[best]),
                       best_mean_cv_r2=float(board["mean_cv_r2"].values[best]))
    return board


def best_hyperparameters(board: xr.Dataset) -> dict:
    """The winning candidate's hyperparameters, as stored by :func:`leaderboard`."""
    return {name: board.attrs[f"best_{name}"] for name in HYPERPARAMETERS}
