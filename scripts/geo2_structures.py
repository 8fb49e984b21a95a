"""Rule geo2_structures: parametric Ge-centred GeO2 clusters at each pressure → structures.nc."""

from xraylatent import logs
from xraylatent.data.sources.geo2_clusters import ClusterModel, generate_clusters
from xraylatent.io import config_digest, write_netcdf

log = logs.to_file(snakemake.log[0])
params = snakemake.params
model = ClusterModel(first_shell_cutoff=params.first_shell_cutoff, **params.model)
log.info("building %d clusters at each of %s GPa with %s", params.per_pressure, list(params.pressures), model)
structures = generate_clusters(params.pressures, params.per_pressure, params.seed, model)
write_netcdf(structures, snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(dict(params)))
log.info("wrote %d clusters to %s", structures.sizes["sample"], snakemake.output[0])
