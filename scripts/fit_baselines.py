"""Rule fit_baselines: PCA, PLS and SIR directions on ECA's split, scored like ECA through the trained emulator."""

from xraylatent import logs
from xraylatent.data.prepare import split_arrays
from xraylatent.determinism import deterministic_job
from xraylatent.io import config_digest, read_prepared, write_netcdf
from xraylatent.models.baselines import baselines_dataset
from xraylatent.models.estimators import Emulator

log = logs.to_file(snakemake.log[0])
deterministic_job(snakemake.threads)
params = snakemake.params
prepared = read_prepared(snakemake.input.prepared)
parts = split_arrays(prepared)
emulator = Emulator.load(snakemake.input.emulator)
summary = baselines_dataset(*parts[params.fit_on], parts, emulator.predict, params.n_components,
                            sir_slices=params.sir_slices, fit_on=params.fit_on)
summary = summary.assign_coords(feature=prepared["feature"].values)
summary.attrs["emulator_test_r2"] = emulator.score(*parts["test"])
write_netcdf(summary, snakemake.output[0], created_by=snakemake.rule, config_digest=config_digest(dict(params.items())))
if summary.attrs["emulator_test_r2"] <= summary.attrs["ridge_test_r2"]:
    log.warning("the emulator (test R² %.4f) does not beat a ridge regression on all features (%.4f, alpha %g): "
                "widen its search before reading the latent models", summary.attrs["emulator_test_r2"],
                summary.attrs["ridge_test_r2"], summary.attrs["ridge_alpha"])
for method in summary["method"].values:
    log.info("%s: test R² per rank %s (emulator %.4f)", method,
             summary["r2"].sel({"method": method, "split": "test"}).values.round(4), summary.attrs["emulator_test_r2"])
