"""The scale plan's measurements (docs/scaling.md): seconds per candidate-epoch of every layer shape of the paper
config's search space, and what the paper config's search costs on N cores.

A development tool, outside the installed package. For each (depth, width) of ``config/paper.yaml``'s space it
times eager training epochs of one stack of ``--members`` EDNNs (k = 2, the paper's batch size) on an H2O-sized
and a GeO2-sized problem (tools/bench.py's), on this machine's device, and prints a markdown report: the cost
per member-epoch by shape, the mean over the grid (every shape equally likely, as the randomized search draws
them), the achieved GFLOP/s, and the paper search's core-hours from each data set's candidate budget and
successive-halving epoch budget.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import torch
import yaml
from bench import REPO, _stack_trainer, _sync, ednn_sizes, flops_per_epoch, geo2_problem, h2o_problem

from xraylatent.selection.candidates import dataset_search


def halving_epochs(max_epochs: int, rounds: int, keep: float) -> float:
    """Epochs a candidate trains on average under successive halving (round r trains the survivors on to
    max_epochs · keep^(rounds−1−r); early stopping only lowers this)."""
    budgets = [max_epochs * keep ** (rounds - 1 - r) for r in range(rounds)]
    share, total, done = 1.0, 0.0, 0.0
    for budget in budgets:
        total += share * (budget - done)
        done, share = budget, share * keep
    return total


def member_epoch_seconds(problem, depth: int, width: int, members: int, batch_size: int, device: str) -> float:
    """Seconds of one training epoch of one member, from the second epoch of a stack of ``members``."""
    trainer = _stack_trainer(problem, depth, width, 2, members, batch_size, device)
    trainer.run_epoch()  # warm-up: allocation, first kernels
    _sync(torch.device(device))
    tic = time.perf_counter()
    trainer.run_epoch()
    _sync(torch.device(device))
    return (time.perf_counter() - tic) / members


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=15, help="members per stack (a paper chunk's share per shape)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    paper = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    models = paper["models"]
    space, training = models["space"]["emulator"], models["training"]
    torch.set_num_threads(1)
    problems = {"H2O-sized 8000×3→151": h2o_problem(), "GeO2-sized 11000×105→8": geo2_problem()}
    searches = {name: dataset_search(paper, dataset) for name, dataset in zip(problems, ("h2o", "geo2"), strict=True)}
    print(f"# Seconds per member-epoch ({args.device}, 1 thread, stacks of {args.members}, batch "
          f"{training['batch_size']})\n")
    print("| problem | depth | width | s per member-epoch | GFLOP/s |")
    print("|---|---|---|---|---|")
    means = {}
    for name, problem in problems.items():
        X, Y, folds = problem
        rows = int(np.mean([(folds >= 0).sum() * (1 - 1 / len(np.unique(folds[folds >= 0])))]))
        costs = []
        for depth, width in itertools.product(space["depth"], space["width"]):
            seconds = member_epoch_seconds(problem, depth, width, args.members, training["batch_size"], args.device)
            rate = flops_per_epoch(len(X), ednn_sizes(X.shape[1], Y.shape[1], depth, width, 2)) / seconds / 1e9
            costs.append(seconds * rows / len(X))  # a CV fit trains on its fold's rows
            print(f"| {name} | {depth} | {width} | {costs[-1]:.4f} | {rate:.1f} |", flush=True)
        means[name] = float(np.mean(costs))
    print("\n| problem | candidates | halving epochs per candidate-fold (≤) | mean s per member-epoch over the grid "
          "| core-hours per searched model (≤) |")
    print("|---|---|---|---|---|")
    for name, mean in means.items():
        search = searches[name]
        epochs = halving_epochs(training["max_epochs"], search["halving_rounds"], search["halving_keep"])
        fits = search["n_candidates"] * 5
        hours = mean * epochs * fits / 3600
        print(f"| {name} | {search['n_candidates']:,} | {epochs:.0f} | {mean:.4f} | {hours:.0f} |")


if __name__ == "__main__":
    main()
