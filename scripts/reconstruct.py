"""Rule reconstruct: structures fitted to test spectra (and to each group's mean spectrum) through the NNCA
decoder, the ECA emulator and an inverted Leaky-ReLU EDNN, with k latent values."""

from functools import partial

import torch

from xraylatent import inverse, logs
from xraylatent.fitting import split_arrays
from xraylatent.io import config_digest, group_label, read_netcdf, read_prepared, read_raw, write_netcdf
from xraylatent.metrics import generalized_r2
from xraylatent.models import NNCA, Emulator
from xraylatent.train import predict_stack

log = logs.to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
k = int(snakemake.wildcards.k)
prepared, raw = read_prepared(snakemake.input.prepared), read_raw(snakemake.input.raw)
options = snakemake.params.inverse
inverters = {}
if "nnca" in snakemake.input.keys():
    nnca = NNCA.load(snakemake.input.nnca)
    inverters["nnca"] = partial(inverse.invert, inverse.nnca_decoder(nnca), nnca.components_, **options)
if "eca" in snakemake.input.keys():
    V = read_netcdf(snakemake.input.eca)["V"].values
    inverters["eca"] = partial(inverse.invert, inverse.eca_decoder(Emulator.load(snakemake.input.emulator), V), V,
                               **options)

training, net_options = dict(snakemake.params.training), dict(snakemake.params.ednn_inverse)
parts = split_arrays(prepared)
net = inverse.train_leaky_ednn(
    *parts["train"], k, seed=training["seed"], validation_fraction=training["validation_fraction"],
    net_options=net_options, learning_rate=net_options.pop("learning_rate"), batch_size=training["batch_size"],
    max_epochs=training["max_epochs"], patience=training["patience"], device=snakemake.params.device,
)
inverters["ednn_leaky"] = partial(inverse.invert_leaky_ednn, net, **options)

group = group_label(raw)
result = inverse.reconstruction_dataset(prepared, raw, dict(snakemake.params.target), inverters, group,
                                        snakemake.params.at_mean_tolerance)
result["condition_number"] = ("layer", inverse.condition_numbers(net.encoder),
                              {"description": "2-norm condition number of each Leaky-ReLU EDNN encoder weight"})
X_test, Y_test = parts["test"]
result.attrs.update(k=k, ednn_leaky_test_r2=generalized_r2(Y_test, predict_stack(net, X_test)[0].double().numpy()))
write_netcdf(result, snakemake.output[0], created_by=snakemake.rule,
             config_digest=config_digest(dict(snakemake.params.items())))
log.info("k=%d: per-feature test R² %s; at mean %s; Leaky EDNN condition numbers %s (test R² %.3f)", k,
         result["r2"].round(3).to_pandas().to_dict("index"), result["at_mean"].sum("feature").values,
         result["condition_number"].values.round(1), result.attrs["ednn_leaky_test_r2"])
