"""Rule plot_reconstruction: reconstruction summary table and figure over all k — distances per group for
Coulomb-matrix data with a group label (the study's Fig. 5), else reconstructed vs true features — and the
reconstructability table and figure: how well each feature (and distance, per group) comes back."""

from xraylatent import logs
from xraylatent.interpret.reconstruction import distance_scores_by_group
from xraylatent.io import atomic_write_text, read_netcdf
from xraylatent.report.figures import save
from xraylatent.report.interpret_figures import distances_vs_group, reconstructability, reconstructed_vs_true
from xraylatent.report.tables import reconstructability_markdown, reconstruction_markdown

log = logs.to_file(snakemake.log[0])
recons = {k: read_netcdf(path) for k, path in zip(snakemake.params.latent_dims, snakemake.input)}
title = f"{snakemake.params.description or snakemake.wildcards.dataset} / {snakemake.wildcards.target}"
if "distance_hat" in next(iter(recons.values())):
    fig = distances_vs_group(recons, title)
else:
    fig = reconstructed_vs_true(recons, title)
save(fig, snakemake.output.figure, dpi=snakemake.params.dpi)
table = reconstruction_markdown(recons)
atomic_write_text(snakemake.output.table, table)
log.info("reconstruction:\n%s", table)
by_group = ({k: distance_scores_by_group(ds) for k, ds in recons.items()}
            if "sample_group" in next(iter(recons.values())) else None)
save(reconstructability(recons, by_group, title), snakemake.output.reconstructability_figure, dpi=snakemake.params.dpi)
table = reconstructability_markdown(recons, by_group)
atomic_write_text(snakemake.output.reconstructability, table)
log.info("reconstructability:\n%s", table)
