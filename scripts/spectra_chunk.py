"""Rules h2o_spectra and geo2_spectra: the spectra of one chunk of structures.nc → chunks/chunk_{chunk}.nc.

H2O: O 1s XES, XAS and XPS from four SCFs per structure; GeO2: Ge Kβ emission per cluster.
"""

import os

os.environ["OMP_NUM_THREADS"] = str(snakemake.threads)  # before PySCF and numpy load

import numpy as np  # noqa: E402

from xraylatent import logs  # noqa: E402
from xraylatent.datasets import geo2_spectra, h2o_spectra  # noqa: E402
from xraylatent.io import config_digest, read_netcdf, write_netcdf  # noqa: E402


def h2o(part, options):
    return h2o_spectra.spectra_chunk(part["positions"].values, **options)


def geo2(part, options):
    return geo2_spectra.spectra_chunk(part["positions"].values, part["numbers"].values,
                                      first_shell_cutoff=snakemake.params.first_shell_cutoff, **options)


log = logs.to_file(snakemake.log[0])
compute = {"h2o_spectra": h2o, "geo2_spectra": geo2}[snakemake.rule]
options = dict(snakemake.params.spectra)
n_chunks = options.pop("n_chunks")
chunk = int(snakemake.wildcards.chunk)
structures = read_netcdf(snakemake.input[0])
part = structures.isel(sample=np.array_split(np.arange(structures.sizes["sample"]), n_chunks)[chunk])
log.info("chunk %d of %d: %d structures, %s", chunk, n_chunks, part.sizes["sample"], options)
spectra = compute(part, options)
write_netcdf(part.merge(spectra), snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(dict(snakemake.params)))
log.info("chunk %d: %d of %d converged, %.2f CPU s per structure", chunk, int(spectra["converged"].sum()),
         part.sizes["sample"], float(spectra["cpu_seconds"].mean()) if part.sizes["sample"] else 0.0)
