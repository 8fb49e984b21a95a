"""Rule prepare: features + targets → prepared.nc (split, CV folds, standardized X and Y, scalers)."""

from xraylatent import logs
from xraylatent.data.prepare import prepare
from xraylatent.io import config_digest, read_features, read_targets, write_netcdf

log = logs.to_file(snakemake.log[0])
split = snakemake.params.split
prepared = prepare(read_features(snakemake.input.features), read_targets(snakemake.input.targets),
                   snakemake.params.target_type, split["test_fraction"], split["n_folds"], split["seed"])
write_netcdf(prepared, snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest({"split": split, "target_type": snakemake.params.target_type}))
counts = prepared["split"].to_series().value_counts().to_dict()
log.info("split %s, %d folds, target scaling %s", counts, split["n_folds"], prepared.attrs["target_scaling"])
