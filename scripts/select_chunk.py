"""Rule select_chunk: CV scores of one chunk of a family's randomized grid-search candidates."""

from xraylatent import logs
from xraylatent.determinism import deterministic_job
from xraylatent.engine.settings import TrainSettings
from xraylatent.io import config_digest, read_prepared, write_netcdf
from xraylatent.models.names import parse_model
from xraylatent.selection.candidates import chunk, sample_candidates
from xraylatent.selection.leaderboard import chunk_dataset
from xraylatent.selection.search import search

log = logs.to_file(snakemake.log[0])
deterministic_job(snakemake.threads)
family, k = parse_model(snakemake.wildcards.model)
config = snakemake.params.search
candidates = sample_candidates(snakemake.params.space, config["n_candidates"], config["seed"])
mine = chunk(candidates, int(snakemake.wildcards.chunk), config["n_chunks"])
log.info("%s: chunk %s holds %d of %d candidates", snakemake.wildcards.model, snakemake.wildcards.chunk,
         len(mine), len(candidates))
prepared = read_prepared(snakemake.input[0])
train = prepared["split"].values == "train"
result = search(family, k, mine, prepared["X"].values[train], prepared["Y"].values[train],
                prepared["fold"].values[train], TrainSettings(**snakemake.params.training), config, log)
write_netcdf(chunk_dataset(mine, result), snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(dict(snakemake.params.items())))
log.info("best mean CV R² in this chunk: %.4f", result["mean_cv_r2"].max() if len(mine) else float("nan"))
