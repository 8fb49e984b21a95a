# Physics data sets: structures → spectra in chunks → raw.nc.
#   h2o_md:        GFN2-xTB NVE snapshots of H2O, O 1s XES/XAS/XPS from four PBE SCFs per structure;
#   geo2_clusters: parametric Ge-centred GeO2 clusters at pressure, Ge Kβ emission from one X2C-PBE SCF.
# The spectra are scattered over n_chunks jobs (one thread each); a killed run resumes with the chunks
# it lacks, and every parameter that changes a chunk's content is in its params (rerun trigger).
# Input functions (source_config, spectra_chunks, spectra_runtime) live in common.smk.

H2O_DATASETS = datasets_from(["h2o_md"])
GEO2_DATASETS = datasets_from(["geo2_clusters"])


rule sample_h2o:
    output:
        "results/{dataset}/structures.nc",
    params:
        seed=lambda w: source_config(w)["seed"],
        md=lambda w: source_config(w)["md"],
    wildcard_constraints:
        dataset=_names_pattern(H2O_DATASETS),
    log:
        "logs/sample_h2o/{dataset}.log",
    benchmark:
        "benchmarks/sample_h2o/{dataset}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=60,
    conda:
        "../envs/physics.yaml"
    script:
        "../scripts/sample_h2o.py"


rule h2o_spectra:
    input:
        "results/{dataset}/structures.nc",
    output:
        "results/{dataset}/chunks/chunk_{chunk}.nc",
    params:
        spectra=lambda w: source_config(w)["spectra"],
    wildcard_constraints:
        dataset=_names_pattern(H2O_DATASETS),
        chunk=r"\d+",
    log:
        "logs/h2o_spectra/{dataset}_{chunk}.log",
    benchmark:
        "benchmarks/h2o_spectra/{dataset}_{chunk}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=spectra_runtime,
    conda:
        "../envs/physics.yaml"
    script:
        "../scripts/h2o_spectra.py"


rule geo2_structures:
    output:
        "results/{dataset}/structures.nc",
    params:
        seed=lambda w: source_config(w)["seed"],
        pressures=lambda w: source_config(w)["pressures"],
        per_pressure=lambda w: source_config(w)["per_pressure"],
        first_shell_cutoff=lambda w: source_config(w)["first_shell_cutoff"],
        model=lambda w: source_config(w)["model"],
    wildcard_constraints:
        dataset=_names_pattern(GEO2_DATASETS),
    log:
        "logs/geo2_structures/{dataset}.log",
    benchmark:
        "benchmarks/geo2_structures/{dataset}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/physics.yaml"
    script:
        "../scripts/geo2_structures.py"


rule geo2_spectra:
    input:
        "results/{dataset}/structures.nc",
    output:
        "results/{dataset}/chunks/chunk_{chunk}.nc",
    params:
        spectra=lambda w: source_config(w)["spectra"],
        first_shell_cutoff=lambda w: source_config(w)["first_shell_cutoff"],
    wildcard_constraints:
        dataset=_names_pattern(GEO2_DATASETS),
        chunk=r"\d+",
    log:
        "logs/geo2_spectra/{dataset}_{chunk}.log",
    benchmark:
        "benchmarks/geo2_spectra/{dataset}_{chunk}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=spectra_runtime,
    conda:
        "../envs/physics.yaml"
    script:
        "../scripts/geo2_spectra.py"


rule gather_chunks:
    input:
        spectra_chunks,
    output:
        "results/{dataset}/raw.nc",
    params:
        source=source_config,
    wildcard_constraints:
        dataset=_names_pattern(H2O_DATASETS + GEO2_DATASETS),
    log:
        "logs/gather_chunks/{dataset}.log",
    benchmark:
        "benchmarks/gather_chunks/{dataset}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../envs/physics.yaml"
    script:
        "../scripts/gather_chunks.py"
