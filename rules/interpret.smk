# Interpretation (docs/method.md §6 rotation, §8, §9, §11): spectral change metric and EDNN bottleneck on a
# structure grid (H2O-like data sets), ordered NNCA components beside ECA's, their bootstrap (weight intervals,
# indecisive features), structures reconstructed from spectra and how well each feature comes back.
# Input functions (interpret_outputs, reconstruct_models, h2o_like_datasets) live in common.smk.

rule metric_grid:
    input:
        prepared="results/{dataset}/{target}/prepared.nc",
        emulator="results/{dataset}/{target}/models/emulator.pt",
        ednn="results/{dataset}/{target}/models/ednn_k1.pt",
    output:
        "results/{dataset}/{target}/interpret/metric_grid.nc",
    params:
        grid_points=INTERPRET["grid_points"],
        max_distance=INTERPRET["max_distance"],
    log:
        "logs/metric_grid/{dataset}_{target}.log",
    benchmark:
        "benchmarks/metric_grid/{dataset}_{target}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/metric_grid.py"


rule components:
    input:
        prepared="results/{dataset}/{target}/prepared.nc",
        nnca=expand("results/{{dataset}}/{{target}}/models/nnca_k{k}.pt", k=LATENT_DIMS),
        eca=expand("results/{{dataset}}/{{target}}/models/eca_k{k}.nc", k=LATENT_DIMS),
    output:
        summary="results/{dataset}/{target}/interpret/components.nc",
        table=report(
            "results/{dataset}/{target}/interpret/components.md",
            caption="../report/components_table.rst",
            category="Components",
        ),
        figure=report(
            "results/figures/{dataset}_{target}_components.png",
            caption="../report/components_figure.rst",
            category="Components",
        ),
    params:
        latent_dims=LATENT_DIMS,
        eca=config["models"]["eca"],
        dpi=config["plots"]["dpi"],
    log:
        "logs/components/{dataset}_{target}.log",
    benchmark:
        "benchmarks/components/{dataset}_{target}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/components.py"


rule bootstrap_chunk:
    input:
        prepared="results/{dataset}/{target}/prepared.nc",
        emulator="results/{dataset}/{target}/models/emulator.pt",
        nnca=expand("results/{{dataset}}/{{target}}/models/nnca_k{k}.pt", k=LATENT_DIMS),
    output:
        "results/{dataset}/{target}/interpret/bootstrap/chunk_{chunk}.nc",
    params:
        latent_dims=LATENT_DIMS,
        resamples=bootstrap_resamples,
        seed=BOOTSTRAP["seed"],
        eca=config["models"]["eca"],
    wildcard_constraints:
        chunk=r"\d+",
    log:
        "logs/bootstrap_chunk/{dataset}_{target}_{chunk}.log",
    benchmark:
        "benchmarks/bootstrap_chunk/{dataset}_{target}_{chunk}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 3000 * attempt,
        runtime=lambda wc, attempt: 60 * attempt,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/bootstrap_chunk.py"


rule bootstrap:
    input:
        chunks=expand("results/{{dataset}}/{{target}}/interpret/bootstrap/chunk_{chunk}.nc",
                      chunk=range(BOOTSTRAP_CHUNKS)),
        components="results/{dataset}/{target}/interpret/components.nc",
    output:
        summary="results/{dataset}/{target}/interpret/bootstrap.nc",
        table=report(
            "results/{dataset}/{target}/interpret/bootstrap.md",
            caption="../report/bootstrap_table.rst",
            category="Components",
        ),
        figure=report(
            "results/figures/{dataset}_{target}_bootstrap.png",
            caption="../report/bootstrap_figure.rst",
            category="Components",
        ),
    params:
        level=BOOTSTRAP["level"],
        dpi=config["plots"]["dpi"],
    log:
        "logs/bootstrap/{dataset}_{target}.log",
    benchmark:
        "benchmarks/bootstrap/{dataset}_{target}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/bootstrap.py"


rule isosurfaces:
    input:
        grids=lambda w: expand("results/{dataset}/{target}/interpret/metric_grid.nc", dataset=w.dataset,
                               target=targets_of(w.dataset)),
        components=lambda w: expand("results/{dataset}/{target}/interpret/components.nc", dataset=w.dataset,
                                    target=targets_of(w.dataset)),
    output:
        report("results/figures/{dataset}_isosurfaces.png", caption="../report/isosurfaces.rst",
               category="Interpretation"),
    params:
        targets=lambda w: targets_of(w.dataset),
        description=lambda w: dataset_config(w)["description"],
        dpi=config["plots"]["dpi"],
    log:
        "logs/isosurfaces/{dataset}.log",
    benchmark:
        "benchmarks/isosurfaces/{dataset}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/isosurfaces.py"


rule reconstruct:
    input:
        unpack(reconstruct_models),
        raw="results/{dataset}/raw.nc",
        prepared="results/{dataset}/{target}/prepared.nc",
    output:
        "results/{dataset}/{target}/interpret/reconstruction_k{k}.nc",
    params:
        target=target_config,
        inverse=INTERPRET["inverse"],
        ednn_inverse=INTERPRET["ednn_inverse"],
        at_mean_tolerance=INTERPRET["at_mean_tolerance"],
        training=TRAINING,
    wildcard_constraints:
        k=r"\d+",
    log:
        "logs/reconstruct/{dataset}_{target}_k{k}.log",
    benchmark:
        "benchmarks/reconstruct/{dataset}_{target}_k{k}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 3000 * attempt,
        runtime=lambda wc, attempt: 30 * attempt,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/reconstruct.py"


rule plot_reconstruction:
    input:
        expand("results/{{dataset}}/{{target}}/interpret/reconstruction_k{k}.nc", k=LATENT_DIMS),
    output:
        table=report(
            "results/{dataset}/{target}/interpret/reconstruction.md",
            caption="../report/reconstruction_table.rst",
            category="Reconstruction",
        ),
        figure=report(
            "results/figures/{dataset}_{target}_reconstruction.png",
            caption="../report/reconstruction_figure.rst",
            category="Reconstruction",
        ),
        reconstructability=report(
            "results/{dataset}/{target}/interpret/reconstructability.md",
            caption="../report/reconstructability_table.rst",
            category="Reconstruction",
        ),
        reconstructability_figure=report(
            "results/figures/{dataset}_{target}_reconstructability.png",
            caption="../report/reconstructability_figure.rst",
            category="Reconstruction",
        ),
    params:
        latent_dims=LATENT_DIMS,
        description=lambda w: dataset_config(w)["description"],
        dpi=config["plots"]["dpi"],
    log:
        "logs/plot_reconstruction/{dataset}_{target}.log",
    benchmark:
        "benchmarks/plot_reconstruction/{dataset}_{target}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/plot_reconstruction.py"
