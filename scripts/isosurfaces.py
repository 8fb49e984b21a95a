"""Rule isosurfaces: M and EDNN-bottleneck isosurfaces over (α, b_l, b_s), one row per target."""

from xraylatent import logs
from xraylatent.io import read_netcdf
from xraylatent.report.figures import save
from xraylatent.report.isosurface_figure import isosurfaces

log = logs.to_file(snakemake.log[0])
targets = snakemake.params.targets
fig = isosurfaces(
    {t: read_netcdf(path) for t, path in zip(targets, snakemake.input.grids)},
    {t: read_netcdf(path) for t, path in zip(targets, snakemake.input.components)},
    title=snakemake.params.description or snakemake.wildcards.dataset,
)
save(fig, snakemake.output[0], dpi=snakemake.params.dpi)
log.info("wrote %s", snakemake.output[0])
