"""Rule r2_table: the test-R² table of method.md §10 (CSV and Markdown) and the family comparison figure."""

from pathlib import Path

from xraylatent import logs, plots
from xraylatent.fitting import parse_model
from xraylatent.io import read_netcdf
from xraylatent.tables import r2_table, to_markdown

log = logs.to_file(snakemake.log[0])
records = []
for path in map(Path, snakemake.input):
    family, k = parse_model(path.stem)
    summary = read_netcdf(path)
    records.append({"dataset": path.parents[2].name, "target": path.parents[1].name, "model": family, "k": k,
                    "test_r2": summary.attrs["test_r2"], "train_r2": summary.attrs["train_r2"]})
table = r2_table(records)
table.to_csv(snakemake.output.csv, index=False)
Path(snakemake.output.md).write_text(to_markdown(table))
plots.save(plots.r2_families(table), snakemake.output.figure, dpi=snakemake.params.dpi)
log.info("R² table:\n%s", to_markdown(table))
