"""Chunk results and the leaderboard: the ``selection/{model}/chunk_{i}.nc`` and ``leaderboard.nc`` layouts."""

from __future__ import annotations

import numpy as np
import xarray as xr

from xraylatent.selection.candidates import HYPERPARAMETERS


def best_candidate(mean_cv_r2, rounds) -> int:
    """Index of the best candidate: the argmax of mean CV R² among those that reached the last round."""
    mean_cv_r2, rounds = np.asarray(mean_cv_r2, float), np.asarray(rounds)
    eligible = np.where(rounds == rounds.max(), mean_cv_r2, -np.inf)
    eligible = np.where(np.isnan(eligible), -np.inf, eligible)
    return int(np.argmax(eligible))


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
