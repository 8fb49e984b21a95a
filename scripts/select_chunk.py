"""Rule select_chunk: CV scores of one chunk of a family's randomized grid-search candidates."""

import torch

from xraylatent import logs, selection
from xraylatent.fitting import parse_model
from xraylatent.io import config_digest, read_prepared, write_netcdf

log = logs.to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
family, k = parse_model(snakemake.wildcards.model)
search = snakemake.params.search
candidates = selection.sample_candidates(snakemake.params.space, search["n_candidates"], search["seed"])
mine = selection.chunk(candidates, int(snakemake.wildcards.chunk), search["n_chunks"])
log.info("%s: chunk %s holds %d of %d candidates", snakemake.wildcards.model, snakemake.wildcards.chunk,
         len(mine), len(candidates))
prepared = read_prepared(snakemake.input[0])
train = prepared["split"].values == "train"
result = selection.search(family, k, mine, prepared["X"].values[train], prepared["Y"].values[train],
                          prepared["fold"].values[train], snakemake.params.training, search,
                          snakemake.params.device, log)
write_netcdf(selection.chunk_dataset(mine, result), snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(dict(snakemake.params.items())))
log.info("best mean CV R² in this chunk: %.4f", result["mean_cv_r2"].max() if len(mine) else float("nan"))
