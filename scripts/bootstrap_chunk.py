"""Rule bootstrap_chunk: ECA (fixed emulator) and NNCA refitted on this chunk's bootstrap resamples."""

from xraylatent import logs
from xraylatent.data.prepare import split_arrays
from xraylatent.determinism import deterministic_job
from xraylatent.interpret.bootstrap import bootstrap_fits
from xraylatent.io import config_digest, read_prepared, write_netcdf
from xraylatent.models.estimators import NNCA, Emulator

log = logs.to_file(snakemake.log[0])
deterministic_job(snakemake.threads)
params = snakemake.params
options = dict(params.eca)
fit_on = options.pop("fit_on")
prepared = read_prepared(snakemake.input.prepared)
nncas = {k: NNCA.load(path) for k, path in zip(params.latent_dims, snakemake.input.nnca, strict=True)}
fits = bootstrap_fits(split_arrays(prepared), Emulator.load(snakemake.input.emulator), nncas, params.resamples,
                      seed=params.seed, eca_options=options, fit_on=fit_on)
fits = fits.assign_coords(feature=prepared["feature"].values)
write_netcdf(fits, snakemake.output[0], created_by=snakemake.rule, config_digest=config_digest(dict(params.items())))
log.info("resamples %s: test R² (model, resample, k)\n%s", params.resamples, fits["test_r2"].values.round(4))
