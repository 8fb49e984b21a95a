"""Rule plot_md: coordination, density and radial distributions of the GeO2 MD cells across pressure."""

from xraylatent import logs
from xraylatent.io import read_netcdf
from xraylatent.report.figures import save
from xraylatent.report.md_figure import md_structure

log = logs.to_file(snakemake.log[0])
cells = [read_netcdf(path) for path in snakemake.input]
save(md_structure(cells, title=f"{snakemake.wildcards.dataset}: GeO2 cells from melt–quench–compress MD"),
     snakemake.output[0], dpi=snakemake.params.dpi)
log.info("wrote %s from %d cells", snakemake.output[0], len(cells))
