"""Rule reconstruct: structures fitted to test spectra (and to each group's mean spectrum) through the NNCA
decoder, the ECA emulator and an inverted Leaky-ReLU EDNN, with k latent values; features the bootstrap found
indecisive in every basis vector are flagged as not determined by the spectrum."""

from xraylatent import logs
from xraylatent.determinism import deterministic_job
from xraylatent.engine.settings import TrainSettings
from xraylatent.interpret.bootstrap import determined_features
from xraylatent.interpret.reconstruction import reconstruct
from xraylatent.io import config_digest, group_label, read_netcdf, read_prepared, read_raw, write_netcdf
from xraylatent.models.estimators import NNCA, Emulator

log = logs.to_file(snakemake.log[0])
deterministic_job(snakemake.threads)
files, params = snakemake.input, snakemake.params
raw = read_raw(files.raw)
k = int(snakemake.wildcards.k)
determined = None
if "bootstrap" in files.keys():
    bootstrap = read_netcdf(files.bootstrap)
    determined = {model: determined_features(bootstrap, model, k) for model in ("nnca", "eca") if model in files.keys()}
result = reconstruct(
    read_prepared(files.prepared), raw, dict(params.target), k,
    TrainSettings(**params.training),
    nnca=NNCA.load(files.nnca) if "nnca" in files.keys() else None,
    eca=(Emulator.load(files.emulator), read_netcdf(files.eca)["V"].values) if "eca" in files.keys() else None,
    group=group_label(raw), inverse_options=params.inverse, ednn_inverse=params.ednn_inverse,
    at_mean_tolerance=params.at_mean_tolerance, determined=determined,
)
write_netcdf(result, snakemake.output[0], created_by=snakemake.rule, config_digest=config_digest(dict(params.items())))
log.info("k=%s: per-feature test R² %s; at mean %s; not determined %s; Leaky EDNN condition numbers %s "
         "(test R² %.3f)", k, result["r2"].round(3).to_pandas().to_dict("index"),
         result["at_mean"].sum("feature").values, (result["determined"] == 0).sum("feature").values,
         result["condition_number"].values.round(1), result.attrs["ednn_leaky_test_r2"])
