"""Model selection (docs/method.md §7): candidates drawn from a grid, cross-validated in stacks, searched with
successive halving, gathered into a leaderboard."""
