"""Rule generate_synthetic: write raw.nc from a built-in synthetic generator."""

from xraylatent import logs
from xraylatent.data.sources import SYNTHETIC_GENERATORS
from xraylatent.io import config_digest, write_netcdf

log = logs.to_file(snakemake.log[0])
source = dict(snakemake.params.source)
generator = source.pop("generator")
log.info("generating %s with %s", generator, source)
raw = SYNTHETIC_GENERATORS[generator](**source)
write_netcdf(raw, snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(snakemake.params.source))
log.info("wrote %d samples to %s", raw.sizes["sample"], snakemake.output[0])
