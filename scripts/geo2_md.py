"""Rule geo2_md: one melt–quench–compress LAMMPS run of GeO2 at one pressure → md/pressure_{index}.nc."""

import os

os.environ["OMP_NUM_THREADS"] = str(snakemake.threads)  # before LAMMPS and numpy load

from xraylatent import logs  # noqa: E402
from xraylatent.data.sources.geo2_md import simulate_pressure  # noqa: E402
from xraylatent.io import config_digest, write_netcdf  # noqa: E402

log = logs.to_file(snakemake.log[0])
params = snakemake.params
cell = simulate_pressure(params.potential, params.pressure, params.n_germanium, params.protocol, params.seed,
                         params.first_shell_cutoff)
write_netcdf(cell, snakemake.output[0], created_by=snakemake.rule, config_digest=config_digest(dict(params)))
log.info("wrote %d snapshots at %.1f GPa to %s (%.0f CPU s)", cell.sizes["snapshot"], params.pressure,
         snakemake.output[0], cell.attrs["cpu_seconds"])
