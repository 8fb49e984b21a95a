"""Rule components: NNCA directions ordered by a rotation within span(V), compared with ECA's, for every k."""

from xraylatent import logs
from xraylatent.determinism import deterministic_job
from xraylatent.interpret.components import components_dataset
from xraylatent.io import atomic_write_text, config_digest, read_netcdf, read_prepared, write_netcdf
from xraylatent.models.estimators import NNCA
from xraylatent.report.figures import save
from xraylatent.report.interpret_figures import components
from xraylatent.report.tables import components_markdown

log = logs.to_file(snakemake.log[0])
deterministic_job(snakemake.threads)
ks = snakemake.params.latent_dims
options = dict(snakemake.params.eca)
fit_on = options.pop("fit_on")
summary = components_dataset(
    read_prepared(snakemake.input.prepared),
    {k: NNCA.load(path) for k, path in zip(ks, snakemake.input.nnca)},
    {k: read_netcdf(path) for k, path in zip(ks, snakemake.input.eca)},
    fit_on, **options,
)
write_netcdf(summary, snakemake.output.summary, created_by=snakemake.rule,
             config_digest=config_digest(snakemake.params.eca))
table = components_markdown(summary)
atomic_write_text(snakemake.output.table, table)
title = f"{snakemake.wildcards.dataset} / {snakemake.wildcards.target}: ECA vs ordered NNCA"
save(components(summary, title), snakemake.output.figure, dpi=snakemake.params.dpi)
log.info("components:\n%s", table)
