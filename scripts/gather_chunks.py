"""Rule gather_chunks: chunk files → raw.nc, dropping (and counting) structures whose SCF failed."""

import xarray as xr

from xraylatent import logs
from xraylatent.io import config_digest, read_netcdf, read_raw, write_netcdf

log = logs.to_file(snakemake.log[0])
chunks = [read_netcdf(path) for path in snakemake.input]
raw = xr.concat(chunks, dim="sample", data_vars="minimal", coords="minimal", compat="equals",
                combine_attrs="override")
failed = ~raw["converged"].values
if failed.any():
    log.warning("dropping %d of %d structures whose SCF did not converge (sample_id %s)", int(failed.sum()),
                len(failed), raw["sample_id"].values[failed].tolist())
raw = raw.isel(sample=~failed)
raw = raw.assign_coords(sample=range(raw.sizes["sample"]))
raw.attrs = {**chunks[0].attrs, "n_unconverged": int(failed.sum())}
write_netcdf(raw, snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(snakemake.params.source))
read_raw(snakemake.output[0])  # the contract holds (finite spectra, units, dims)
log.info("wrote %d structures from %d chunks to %s (%.1f CPU s of spectra in all)", raw.sizes["sample"],
         len(chunks), snakemake.output[0], float(raw["cpu_seconds"].sum()))
