"""Rule geo2_md_structures: Ge-centred clusters cut from the MD cells of every pressure → structures.nc."""

from xraylatent import logs
from xraylatent.data.sources.geo2_md import cut_clusters
from xraylatent.io import config_digest, read_netcdf, write_netcdf

log = logs.to_file(snakemake.log[0])
params = snakemake.params
structures = cut_clusters([read_netcdf(path) for path in snakemake.input], seed=params.seed,
                          first_shell_cutoff=params.first_shell_cutoff, **params.clusters)
write_netcdf(structures, snakemake.output[0], created_by=snakemake.rule, config_digest=config_digest(dict(params)))
log.info("wrote %d clusters to %s", structures.sizes["sample"], snakemake.output[0])
