# Models: randomized CV search scattered over chunks → leaderboard → refit of the winner (and under n seeds,
# for the spread), linear baselines through the emulator → R² table.
# {model} is "emulator" or "<ednn|nnca|eca>_k<k>" (xraylatent.models.names).


rule select_chunk:
    input:
        "results/{dataset}/{target}/prepared.nc",
    output:
        "results/{dataset}/{target}/selection/{model}/chunk_{chunk}.nc",
    params:
        space=search_space,
        training=TRAINING,
        search=lambda w: dataset_search(config, w.dataset),
    wildcard_constraints:
        model=SEARCHED_PATTERN,
        chunk=r"\d+",
    log:
        "logs/select_chunk/{dataset}_{target}_{model}_{chunk}.log",
    benchmark:
        "benchmarks/select_chunk/{dataset}_{target}_{model}_{chunk}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 3000 * attempt,
        runtime=lambda wc, attempt: 60 * attempt,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/select_chunk.py"


rule gather_selection:
    input:
        chunks=lambda w: expand(
            "results/{{dataset}}/{{target}}/selection/{{model}}/chunk_{chunk}.nc",
            chunk=range(dataset_search(config, w.dataset)["n_chunks"]),
        ),
    output:
        "results/{dataset}/{target}/selection/{model}/leaderboard.nc",
    wildcard_constraints:
        model=SEARCHED_PATTERN,
    log:
        "logs/gather_selection/{dataset}_{target}_{model}.log",
    benchmark:
        "benchmarks/gather_selection/{dataset}_{target}_{model}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/gather_selection.py"


rule fit_model:
    input:
        prepared="results/{dataset}/{target}/prepared.nc",
        leaderboard="results/{dataset}/{target}/selection/{model}/leaderboard.nc",
    output:
        weights="results/{dataset}/{target}/models/{model}.pt",
        summary="results/{dataset}/{target}/models/{model}.nc",
    params:
        training=TRAINING,
    wildcard_constraints:
        model=SEARCHED_PATTERN,
    log:
        "logs/fit_model/{dataset}_{target}_{model}.log",
    benchmark:
        "benchmarks/fit_model/{dataset}_{target}_{model}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 3000 * attempt,
        runtime=lambda wc, attempt: 30 * attempt,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/fit_model.py"


rule fit_eca:
    input:
        prepared="results/{dataset}/{target}/prepared.nc",
        emulator="results/{dataset}/{target}/models/emulator.pt",
    output:
        summary="results/{dataset}/{target}/models/eca_k{k}.nc",
    params:
        eca=config["models"]["eca"],
    wildcard_constraints:
        k=r"\d+",
    log:
        "logs/fit_eca/{dataset}_{target}_k{k}.log",
    benchmark:
        "benchmarks/fit_eca/{dataset}_{target}_k{k}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 3000 * attempt,
        runtime=lambda wc, attempt: 30 * attempt,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/fit_eca.py"


rule fit_baselines:
    input:
        prepared="results/{dataset}/{target}/prepared.nc",
        emulator="results/{dataset}/{target}/models/emulator.pt",
    output:
        "results/{dataset}/{target}/models/baselines.nc",
    params:
        n_components=max(LATENT_DIMS),
        sir_slices=config["models"]["baselines"]["sir_slices"],
        fit_on=config["models"]["eca"]["fit_on"],
    log:
        "logs/fit_baselines/{dataset}_{target}.log",
    benchmark:
        "benchmarks/fit_baselines/{dataset}_{target}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/fit_baselines.py"


rule seed_spread:
    input:
        prepared="results/{dataset}/{target}/prepared.nc",
        leaderboards=expand("results/{{dataset}}/{{target}}/selection/{model}/leaderboard.nc", model=SEARCHED_MODELS),
    output:
        "results/{dataset}/{target}/models/seed_spread.nc",
    params:
        searched=SEARCHED_MODELS,
        eca_dims=ECA_DIMS,
        eca=config["models"]["eca"],
        n_seeds=config["models"]["seed_spread"]["n_seeds"],
        training=TRAINING,
    log:
        "logs/seed_spread/{dataset}_{target}.log",
    benchmark:
        "benchmarks/seed_spread/{dataset}_{target}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 3000 * attempt,
        runtime=lambda wc, attempt: 60 * attempt,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/seed_spread.py"


rule r2_table:
    input:
        summaries=model_summaries,
        spreads=seed_spreads,
        baselines=baseline_summaries,
    output:
        csv="results/tables/r2.csv",
        md=report("results/tables/r2.md", caption="../report/r2_table.rst", category="Models"),
        figure=report("results/figures/r2_families.png", caption="../report/r2_figure.rst", category="Models"),
        landing="results/tables/r2_landing.rst",
    params:
        models=fitted_models(),
        targets=fitted_targets(),
        latent_dims=LATENT_DIMS,
        dpi=config["plots"]["dpi"],
    log:
        "logs/r2_table/r2_table.log",
    benchmark:
        "benchmarks/r2_table/r2_table.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/r2_table.py"
