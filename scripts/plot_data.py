"""Rule plot_data: mean spectra ± σ of a raw data set (and per pressure, where there is one)."""

from xraylatent import logs, plots
from xraylatent.io import read_raw

log = logs.to_file(snakemake.log[0])
raw = read_raw(snakemake.input[0])
group = "pressure" if "pressure" in raw else None
fig = plots.mean_spectra(raw, title=snakemake.params.description or snakemake.wildcards.dataset,
                         windows=snakemake.params.windows, group=group)
plots.save(fig, snakemake.output[0], dpi=snakemake.params.dpi)
log.info("wrote %s", snakemake.output[0])
