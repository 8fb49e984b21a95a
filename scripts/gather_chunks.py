"""Rule gather_chunks: chunk files → raw.nc, dropping (and counting) structures whose SCF failed."""

from xraylatent import logs
from xraylatent.data.sources.chunks import gather_chunks
from xraylatent.io import config_digest, read_netcdf, read_raw, write_netcdf

log = logs.to_file(snakemake.log[0])
raw, dropped = gather_chunks([read_netcdf(path) for path in snakemake.input])
if dropped:
    log.warning("dropped %d of %d structures whose SCF did not converge (sample_id %s)", len(dropped),
                raw.sizes["sample"] + len(dropped), dropped)
write_netcdf(raw, snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(snakemake.params.source))
read_raw(snakemake.output[0])  # the contract holds (finite spectra, units, dims)
log.info("wrote %d structures from %d chunks to %s (%.1f CPU s of spectra in all)", raw.sizes["sample"],
         len(snakemake.input), snakemake.output[0], float(raw["cpu_seconds"].sum()))
