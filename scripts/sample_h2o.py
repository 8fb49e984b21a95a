"""Rule sample_h2o: H2O snapshots of many seeded GFN2-xTB NVE trajectories → structures.nc."""

import os

os.environ["OMP_NUM_THREADS"] = str(snakemake.threads)  # before tblite and numpy load

from xraylatent import logs  # noqa: E402
from xraylatent.data.sources.h2o_md import sample_h2o  # noqa: E402
from xraylatent.io import config_digest, write_netcdf  # noqa: E402

log = logs.to_file(snakemake.log[0])
md = dict(snakemake.params.md)
log.info("sampling H2O with seed %d and %s", snakemake.params.seed, md)
structures = sample_h2o(seed=snakemake.params.seed, **md)
write_netcdf(structures, snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest({"seed": snakemake.params.seed, "md": md}))
log.info("wrote %d snapshots (%d dissociated dropped) to %s", structures.sizes["sample"],
         structures.attrs["n_dissociated"], snakemake.output[0])
