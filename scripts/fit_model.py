"""Rule fit_model: refit the selection's winner on the full train set; write weights and summary."""

from xraylatent import logs
from xraylatent.data.prepare import split_arrays
from xraylatent.determinism import deterministic_job
from xraylatent.engine.settings import TrainSettings
from xraylatent.io import config_digest, read_netcdf, read_prepared, write_netcdf
from xraylatent.models.factory import make_estimator
from xraylatent.models.names import parse_model
from xraylatent.models.summaries import model_dataset
from xraylatent.selection.leaderboard import best_hyperparameters

log = logs.to_file(snakemake.log[0])
deterministic_job(snakemake.threads)
family, k = parse_model(snakemake.wildcards.model)
hyperparameters = best_hyperparameters(read_netcdf(snakemake.input.leaderboard))
prepared = read_prepared(snakemake.input.prepared)
model = make_estimator(family, k, hyperparameters, TrainSettings(**snakemake.params.training))
model.fit(*split_arrays(prepared)["train"])
summary = model_dataset(prepared, model, snakemake.wildcards.model, hyperparameters)
summary.attrs["epochs"] = model.n_epochs_
model.save(snakemake.output.weights)
write_netcdf(summary, snakemake.output.summary, created_by=snakemake.rule,
             config_digest=config_digest(dict(snakemake.params.items()) | hyperparameters))
log.info("%s %s: train R² %.4f, test R² %.4f after %d epochs", snakemake.wildcards.model, hyperparameters,
         summary.attrs["train_r2"], summary.attrs["test_r2"], model.n_epochs_)
