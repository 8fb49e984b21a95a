# Physics data sets: structures → spectra in chunks → raw.nc.
#   h2o_md:        GFN2-xTB NVE snapshots of H2O, O 1s XES/XAS/XPS from four PBE SCFs per structure;
#   geo2_clusters: parametric Ge-centred GeO2 clusters at pressure, Ge Kβ emission from one X2C-PBE SCF;
#   geo2_md:       melt–quench–compress LAMMPS cells of GeO2, one job per pressure, Ge-centred clusters cut from
#                  their snapshots, then the same Kβ spectra.
# The spectra are scattered over n_chunks jobs (one thread each); a killed run resumes with the chunks
# it lacks, and every parameter that changes a chunk's content is in its params (rerun trigger).
# Input functions (source_config, spectra_chunks, spectra_runtime, md_cells, md_runtime) live in common.smk.

H2O_DATASETS = datasets_from(["h2o_md"])
GEO2_CLUSTER_DATASETS = datasets_from(["geo2_clusters"])
GEO2_MD_DATASETS = datasets_from(["geo2_md"])
GEO2_DATASETS = GEO2_CLUSTER_DATASETS + GEO2_MD_DATASETS


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
        dataset=_names_pattern(GEO2_CLUSTER_DATASETS),
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


rule geo2_md:
    output:
        "results/{dataset}/md/pressure_{index}.nc",
    params:
        pressure=lambda w: source_config(w)["pressures"][int(w.index)],
        seed=lambda w: [source_config(w)["seed"], int(w.index)],
        n_germanium=lambda w: source_config(w)["md"]["n_germanium"],
        potential=lambda w: source_config(w)["md"]["potential"],
        protocol=lambda w: source_config(w)["md"]["protocol"],
        first_shell_cutoff=lambda w: source_config(w)["first_shell_cutoff"],
    wildcard_constraints:
        dataset=_names_pattern(GEO2_MD_DATASETS),
        index=r"\d+",
    log:
        "logs/geo2_md/{dataset}_{index}.log",
    benchmark:
        "benchmarks/geo2_md/{dataset}_{index}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=md_runtime,
    conda:
        "../envs/physics.yaml"
    script:
        "../scripts/geo2_md.py"


rule geo2_md_structures:
    input:
        md_cells,
    output:
        "results/{dataset}/structures.nc",
    params:
        seed=lambda w: source_config(w)["seed"],
        clusters=lambda w: source_config(w)["clusters"],
        first_shell_cutoff=lambda w: source_config(w)["first_shell_cutoff"],
    wildcard_constraints:
        dataset=_names_pattern(GEO2_MD_DATASETS),
    log:
        "logs/geo2_md_structures/{dataset}.log",
    benchmark:
        "benchmarks/geo2_md_structures/{dataset}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/physics.yaml"
    script:
        "../scripts/geo2_md_structures.py"


rule plot_md:
    input:
        md_cells,
    output:
        report(
            "results/figures/{dataset}_md.png",
            caption="../report/md_structure.rst",
            category="Data",
        ),
    params:
        dpi=config["plots"]["dpi"],
    wildcard_constraints:
        dataset=_names_pattern(GEO2_MD_DATASETS),
    log:
        "logs/plot_md/{dataset}.log",
    benchmark:
        "benchmarks/plot_md/{dataset}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/plots.yaml"
    script:
        "../scripts/plot_md.py"


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
