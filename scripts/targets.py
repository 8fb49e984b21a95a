"""Rule targets: one spectrum kind of raw.nc → targets/{target}.nc (spectra on a grid, or line moments)."""

from xraylatent import logs
from xraylatent.data.targets import build_targets
from xraylatent.io import config_digest, read_raw, sample_labels, write_netcdf

log = logs.to_file(snakemake.log[0])
raw = read_raw(snakemake.input[0])
targets = build_targets(raw, **snakemake.params.target)
write_netcdf(targets.merge(sample_labels(raw)), snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(snakemake.params.target))
log.info("target %s: %d samples × %d channels", snakemake.wildcards.target, *targets["Y"].shape)
