"""Rule gather_selection: merge the chunks into a leaderboard, best candidate first."""

from xraylatent import logs
from xraylatent.io import read_netcdf, write_netcdf
from xraylatent.selection.leaderboard import best_hyperparameters, leaderboard

log = logs.to_file(snakemake.log[0])
board = leaderboard([read_netcdf(path) for path in snakemake.input.chunks])
write_netcdf(board, snakemake.output[0], created_by=snakemake.rule)
log.info("%d candidates; best %s with mean CV R² %.4f", board.sizes["candidate"], best_hyperparameters(board),
         board.attrs["best_mean_cv_r2"])
