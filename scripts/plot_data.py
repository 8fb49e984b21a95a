"""Rule plot_data: mean spectra ± σ of a raw data set, and per group where it has a group label.

The group label is the raw.nc attr ``group_label`` (set by ingest from ``source.labels.group``), else
``pressure`` where that variable exists.
"""

from xraylatent import logs, plots
from xraylatent.io import read_raw

log = logs.to_file(snakemake.log[0])
raw = read_raw(snakemake.input[0])
group = raw.attrs.get("group_label") or ("pressure" if "pressure" in raw else None)
fig = plots.mean_spectra(raw, title=snakemake.params.description or snakemake.wildcards.dataset,
                         windows=snakemake.params.windows, group=group)
plots.save(fig, snakemake.output[0], dpi=snakemake.params.dpi)
log.info("wrote %s (grouped by %s)", snakemake.output[0], group)
