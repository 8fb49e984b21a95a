"""Rule seed_spread: every selected model of a target refitted under n training seeds (the R² table's ±)."""

from xraylatent import logs
from xraylatent.determinism import deterministic_job
from xraylatent.engine.settings import TrainSettings
from xraylatent.io import config_digest, read_netcdf, read_prepared, write_netcdf
from xraylatent.models.spread import seed_spread
from xraylatent.selection.leaderboard import best_hyperparameters

log = logs.to_file(snakemake.log[0])
deterministic_job(snakemake.threads)
options = dict(snakemake.params.eca)
fit_on = options.pop("fit_on")
winners = {model: best_hyperparameters(read_netcdf(path))
           for model, path in zip(snakemake.params.searched, snakemake.input.leaderboards, strict=True)}
spread = seed_spread(read_prepared(snakemake.input.prepared), winners, TrainSettings(**snakemake.params.training),
                     snakemake.params.n_seeds, snakemake.params.eca_dims, options, fit_on)
write_netcdf(spread, snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(dict(snakemake.params.items())))
for model in spread["model"].values:
    test = spread["test_r2"].sel(model=model)
    log.info("%s: test R² %.4f ± %.4f over seeds %s", model, float(test.mean()), float(test.std(ddof=1)),
             list(spread["seed"].values))
