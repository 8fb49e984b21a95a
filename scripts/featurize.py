"""Rule featurize: raw.nc → features.nc (X with feature names and units, per-sample labels kept)."""

from xraylatent import logs
from xraylatent.data.features import featurize
from xraylatent.io import config_digest, read_raw, sample_labels, write_netcdf

log = logs.to_file(snakemake.log[0])
raw = read_raw(snakemake.input[0])
features = featurize(raw["positions"].values, raw["numbers"].values, sample_ids=raw["sample_id"].values,
                     **snakemake.params.featurizer)
write_netcdf(features.to_dataset(sample_labels(raw)), snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(snakemake.params.featurizer))
log.info("%d samples × %d features: %s", *features.values.shape, ", ".join(features.names[:6]))
