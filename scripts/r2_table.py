"""Rule r2_table: the test-R² table of docs/method.md §10 (CSV and Markdown) and the family comparison figure, with
the spread over training seeds (rule seed_spread) as ± and error bars, and the linear baselines (rule
fit_baselines) beside the latent families."""

from xraylatent import logs
from xraylatent.io import atomic_write_text, read_netcdf
from xraylatent.models.names import parse_model
from xraylatent.report.figures import r2_families, save
from xraylatent.report.landing import landing_rst
from xraylatent.report.tables import r2_notes, r2_table, to_markdown

log = logs.to_file(snakemake.log[0])
spreads = {(d, t): read_netcdf(path)["test_r2"].std("seed", ddof=1)
           for (d, t), path in zip(snakemake.params.targets, snakemake.input.spreads, strict=True)}
records, eca_fit_on = [], None
for path, (dataset, target, model) in zip(snakemake.input.summaries, snakemake.params.models, strict=True):
    family, k = parse_model(model)
    summary = read_netcdf(path)
    records.append({"dataset": dataset, "target": target, "model": family, "k": k,
                    "test_r2": summary.attrs["test_r2"], "train_r2": summary.attrs["train_r2"],
                    "test_r2_std": float(spreads[dataset, target].sel(model=model))})
    if family == "eca":
        eca_fit_on = summary.attrs["fit_on"]
        records.append({"dataset": dataset, "target": target, "model": "eca_train", "k": k,
                        "test_r2": summary.attrs["test_r2_train_fitted"]})
for path, (dataset, target) in zip(snakemake.input.baselines, snakemake.params.targets):  # none without ECA
    baselines = read_netcdf(path)
    for method in baselines["method"].values:
        for k in snakemake.params.latent_dims:
            r2 = baselines["r2"].sel({"method": method, "rank": k})
            records.append({"dataset": dataset, "target": target, "model": str(method), "k": k,
                            "test_r2": float(r2.sel(split="test")), "train_r2": float(r2.sel(split="train"))})
    records.append({"dataset": dataset, "target": target, "model": "ridge", "k": None,
                    "test_r2": baselines.attrs["ridge_test_r2"]})
table = r2_table(records)
notes = r2_notes(table, eca_fit_on)
atomic_write_text(snakemake.output.csv, table.to_csv(index=False))
atomic_write_text(snakemake.output.md, to_markdown(table) + "".join(f"\n{note}\n" for note in notes))
atomic_write_text(snakemake.output.landing, landing_rst(table))
for note in notes:
    (log.warning if note.startswith("Warning") else log.info)(note)
save(r2_families(table), snakemake.output.figure, dpi=snakemake.params.dpi)
log.info("R² table:\n%s", to_markdown(table))
