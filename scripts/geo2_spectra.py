"""Rule geo2_spectra: Ge Kβ valence-to-core emission (one X2C-PBE SCF per cluster) of one chunk of structures.nc."""

import os

os.environ["OMP_NUM_THREADS"] = str(snakemake.threads)  # before PySCF and numpy load

from xraylatent import logs  # noqa: E402
from xraylatent.data.sources.chunks import compute_chunk  # noqa: E402
from xraylatent.data.sources.geo2_spectra import spectra_chunk  # noqa: E402
from xraylatent.io import config_digest, read_netcdf, write_netcdf  # noqa: E402

log = logs.to_file(snakemake.log[0])
options = dict(snakemake.params.spectra, first_shell_cutoff=snakemake.params.first_shell_cutoff)
n_chunks = options.pop("n_chunks")
log.info("spectra with %s", options)
chunk = compute_chunk(read_netcdf(snakemake.input[0]), int(snakemake.wildcards.chunk), n_chunks,
                      lambda part: spectra_chunk(part["positions"].values, part["numbers"].values, **options))
write_netcdf(chunk, snakemake.output[0], created_by=snakemake.rule, config_digest=config_digest(dict(snakemake.params)))
