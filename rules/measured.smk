# Measured spectra in (docs/method.md §12): each target's measured spectra read back through every inverted model.


rule reconstruct_measured:
    input:
        unpack(measured_inputs),
        raw="results/{dataset}/raw.nc",
        prepared="results/{dataset}/{target}/prepared.nc",
    output:
        data="results/{dataset}/{target}/measured/reconstruction.nc",
        table=report(
            "results/{dataset}/{target}/measured/reconstruction.md",
            caption="../report/measured_table.rst",
            category="Measured spectra",
        ),
        figure=report(
            "results/figures/{dataset}_{target}_measured.png",
            caption="../report/measured_figure.rst",
            category="Measured spectra",
        ),
    params:
        measured=lambda w: {name: dataset_config(w)["measured"][name] for name in measured_of(w.dataset, w.target)},
        target=target_config,
        latent_dims=LATENT_DIMS,
        inverse=INTERPRET["inverse"],
        description=lambda w: dataset_config(w)["description"],
        dpi=config["plots"]["dpi"],
    log:
        "logs/reconstruct_measured/{dataset}_{target}.log",
    benchmark:
        "benchmarks/reconstruct_measured/{dataset}_{target}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 3000 * attempt,
        runtime=lambda wc, attempt: 20 * attempt,
    conda:
        "../envs/ml.yaml"
    script:
        "../scripts/reconstruct_measured.py"
