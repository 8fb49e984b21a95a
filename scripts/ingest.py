"""Rule ingest: write raw.nc from the user's structure, spectrum and label files (source generator ingest)."""

from xraylatent import logs
from xraylatent.data.sources.ingest import describe, ingest
from xraylatent.data.sources.readers import IngestError
from xraylatent.io import config_digest, write_netcdf

log = logs.to_file(snakemake.log[0])
log.info("ingesting %d file(s) for %s", len(snakemake.input), snakemake.wildcards.dataset)
try:
    raw = ingest(snakemake.params.source)
except IngestError as err:  # a problem with the user's files: put the culprit in the rule's log too
    log.error("%s", err)
    raise
write_netcdf(raw, snakemake.output[0], created_by=snakemake.rule, config_digest=config_digest(snakemake.params.source))
log.info("wrote %s: %s", snakemake.output[0], describe(raw))
