# Cluster execution (profiles/slurm). Jobs of these rules take seconds and little memory, so on a cluster they run
# on the submit host instead of each waiting in the SLURM queue; without an executor plugin this changes nothing.
# Rules that compute (physics, model search and fits, interpretation) or read user data (ingest) stay on the cluster.


localrules:
    generate_synthetic,
    geo2_structures,
    gather_chunks,
    featurize,
    targets,
    prepare,
    plot_data,
    geo2_md_structures,
    plot_md,
    gather_selection,
    r2_table,
    isosurfaces,
    plot_reconstruction,
