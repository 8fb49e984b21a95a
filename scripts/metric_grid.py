"""Rule metric_grid: spectral change metric M and the one-component EDNN's bottleneck on a structure grid."""

from xraylatent import logs
from xraylatent.data.prepare import scalers
from xraylatent.determinism import deterministic_job
from xraylatent.interpret.metric import metric_grid
from xraylatent.io import config_digest, read_prepared, write_netcdf
from xraylatent.models.estimators import EDNN, Emulator

log = logs.to_file(snakemake.log[0])
deterministic_job(snakemake.threads)
prepared = read_prepared(snakemake.input.prepared)
x_scaler, y_scaler = scalers(prepared)
grid = metric_grid(
    prepared["X"].values, x_scaler, y_scaler, Emulator.load(snakemake.input.emulator), EDNN.load(snakemake.input.ednn),
    prepared["feature"].values.tolist(), prepared["feature_units"].values.tolist(),
    n_points=snakemake.params.grid_points, max_distance=snakemake.params.max_distance,
)
write_netcdf(grid, snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(dict(snakemake.params.items())))
near = grid["mask"].values.astype(bool)
log.info("grid %s: %d of %d points near the data; M there from %.3g to %.3g", dict(grid.sizes), near.sum(),
         near.size, grid["M"].values[near].min(), grid["M"].values[near].max())
