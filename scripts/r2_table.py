"""Rule r2_table: the test-R² table of docs/method.md §10 (CSV and Markdown) and the family comparison figure."""

from pathlib import Path

from xraylatent import logs
from xraylatent.io import read_netcdf
from xraylatent.models.names import parse_model
from xraylatent.report.figures import r2_families, save
from xraylatent.report.tables import r2_table, to_markdown

log = logs.to_file(snakemake.log[0])
records = []
for path, (dataset, target, model) in zip(snakemake.input, snakemake.params.models, strict=True):
    family, k = parse_model(model)
    summary = read_netcdf(path)
    records.append({"dataset": dataset, "target": target, "model": family, "k": k,
                    "test_r2": summary.attrs["test_r2"], "train_r2": summary.attrs["train_r2"]})
table = r2_table(records)
table.to_csv(snakemake.output.csv, index=False)
Path(snakemake.output.md).write_text(to_markdown(table))
save(r2_families(table), snakemake.output.figure, dpi=snakemake.params.dpi)
log.info("R² table:\n%s", to_markdown(table))
