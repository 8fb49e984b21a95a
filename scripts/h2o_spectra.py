"""Rule h2o_spectra: O 1s XES, XAS and XPS (four SCFs per structure) of one chunk of structures.nc."""

import os

os.environ["OMP_NUM_THREADS"] = str(snakemake.threads)  # before PySCF and numpy load

from xraylatent import logs  # noqa: E402
from xraylatent.data.sources.chunks import compute_chunk  # noqa: E402
from xraylatent.data.sources.h2o_spectra import spectra_chunk  # noqa: E402
from xraylatent.io import config_digest, read_netcdf, write_netcdf  # noqa: E402

log = logs.to_file(snakemake.log[0])
options = dict(snakemake.params.spectra)
n_chunks = options.pop("n_chunks")
log.info("spectra with %s", options)
chunk = compute_chunk(read_netcdf(snakemake.input[0]), int(snakemake.wildcards.chunk), n_chunks,
                      lambda part: spectra_chunk(part["positions"].values, **options))
write_netcdf(chunk, snakemake.output[0], created_by=snakemake.rule, config_digest=config_digest(dict(snakemake.params)))
