"""Rule fit_eca: k ECA directions, rank by rank, through the fitted emulator."""

from xraylatent import logs
from xraylatent.determinism import deterministic_job
from xraylatent.io import config_digest, read_prepared, write_netcdf
from xraylatent.models.estimators import Emulator
from xraylatent.models.summaries import fit_eca

log = logs.to_file(snakemake.log[0])
deterministic_job(snakemake.threads)
options = dict(snakemake.params.eca)
fit_on = options.pop("fit_on")
emulator = Emulator.load(snakemake.input.emulator)
_, summary = fit_eca(read_prepared(snakemake.input.prepared), emulator, int(snakemake.wildcards.k), fit_on,
                     **options)
write_netcdf(summary, snakemake.output.summary, created_by=snakemake.rule,
             config_digest=config_digest(snakemake.params.eca))
log.info("ECA k=%s fitted on %s: covered variance per rank test %s, train %s", snakemake.wildcards.k, fit_on,
         summary["covered_variance_test"].values.round(4), summary["covered_variance_train"].values.round(4))
