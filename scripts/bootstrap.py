"""Rule bootstrap: the resampled directions gathered, sign-aligned to the full-data ones, summarised (weight
intervals, indecisive features, subspace angles, R² intervals) as a table and a figure."""

import xarray as xr

from xraylatent import logs
from xraylatent.interpret.bootstrap import bootstrap_summary
from xraylatent.io import atomic_write_text, read_netcdf, write_netcdf
from xraylatent.report.figures import save
from xraylatent.report.interpret_figures import bootstrap_weights
from xraylatent.report.tables import bootstrap_markdown

log = logs.to_file(snakemake.log[0])
fits = xr.concat([read_netcdf(path) for path in snakemake.input.chunks], dim="resample")
summary = bootstrap_summary(fits, read_netcdf(snakemake.input.components), level=snakemake.params.level)
write_netcdf(summary, snakemake.output.summary, created_by=snakemake.rule)
table = bootstrap_markdown(summary)
atomic_write_text(snakemake.output.table, table)
title = f"{snakemake.wildcards.dataset} / {snakemake.wildcards.target}: bootstrap of the basis vectors"
save(bootstrap_weights(summary, title), snakemake.output.figure, dpi=snakemake.params.dpi)
log.info("bootstrap:\n%s", table)
