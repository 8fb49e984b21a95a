# Data chain: raw.nc → features.nc, targets/{target}.nc → {target}/prepared.nc, and the data figures.


rule generate_synthetic:
    output:
        "results/{dataset}/raw.nc",
    params:
        source=lambda w: dataset_config(w)["source"],
    wildcard_constraints:
        dataset=_names_pattern(datasets_from(SYNTHETIC_GENERATORS)),
    log:
        "logs/generate_synthetic/{dataset}.log",
    benchmark:
        "benchmarks/generate_synthetic/{dataset}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/generate_synthetic.py"


rule featurize:
    input:
        "results/{dataset}/raw.nc",
    output:
        "results/{dataset}/features.nc",
    params:
        featurizer=lambda w: dataset_config(w)["featurizer"],
    log:
        "logs/featurize/{dataset}.log",
    benchmark:
        "benchmarks/featurize/{dataset}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/featurize.py"


rule targets:
    input:
        "results/{dataset}/raw.nc",
    output:
        "results/{dataset}/targets/{target}.nc",
    params:
        target=target_config,
    log:
        "logs/targets/{dataset}_{target}.log",
    benchmark:
        "benchmarks/targets/{dataset}_{target}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/targets.py"


rule prepare:
    input:
        features="results/{dataset}/features.nc",
        targets="results/{dataset}/targets/{target}.nc",
    output:
        "results/{dataset}/{target}/prepared.nc",
    params:
        split=lambda w: dataset_config(w)["split"],
        target_type=lambda w: target_config(w)["type"],
    log:
        "logs/prepare/{dataset}_{target}.log",
    benchmark:
        "benchmarks/prepare/{dataset}_{target}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/prepare.py"


rule plot_data:
    input:
        "results/{dataset}/raw.nc",
    output:
        report(
            "results/figures/{dataset}_spectra.png",
            caption="../report/data_spectra.rst",
            category="Data",
        ),
    params:
        description=lambda w: dataset_config(w)["description"],
        windows=lambda w: {
            t["kind"]: t["windows"]
            for t in dataset_config(w)["targets"].values()
            if t["type"] == "moments"
        },
        dpi=config["plots"]["dpi"],
    log:
        "logs/plot_data/{dataset}.log",
    benchmark:
        "benchmarks/plot_data/{dataset}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/plots.yaml"
    script:
        "../scripts/plot_data.py"
