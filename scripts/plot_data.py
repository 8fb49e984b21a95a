"""Rule plot_data: mean spectra ± σ of a raw data set, and per group where it has a group label
(xraylatent.io.group_label: the ingest's ``group_label`` attr, else ``pressure``)."""

from xraylatent import logs
from xraylatent.io import group_label, read_raw
from xraylatent.report.figures import mean_spectra, save

log = logs.to_file(snakemake.log[0])
raw = read_raw(snakemake.input[0])
group = group_label(raw)
fig = mean_spectra(raw, title=snakemake.params.description or snakemake.wildcards.dataset,
                   windows=snakemake.params.windows, group=group)
save(fig, snakemake.output[0], dpi=snakemake.params.dpi)
log.info("wrote %s (grouped by %s)", snakemake.output[0], group)
