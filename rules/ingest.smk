# Ingest: raw.nc from the user's own structure, spectrum and label files (source generator `ingest`).
# The input is every configured file (a directory contributes its matching files), so editing one
# reruns ingest and everything downstream. Formats and checks: src/xraylatent/data/sources/ingest.py.
from xraylatent.data.sources.ingest import input_files


rule ingest:
    input:
        lambda w: input_files(dataset_config(w)["source"]),
    output:
        "results/{dataset}/raw.nc",
    params:
        source=lambda w: dataset_config(w)["source"],
    wildcard_constraints:
        dataset=_names_pattern(datasets_from({"ingest"})),
    log:
        "logs/ingest/{dataset}.log",
    benchmark:
        "benchmarks/ingest/{dataset}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/ingest.py"
