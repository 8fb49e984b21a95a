"""Rule reconstruct_measured: each measured spectrum of a target read back as a structure through NNCA and ECA at
every k, with the multi-start spread (and, for ECA, the bootstrap's), a table and a figure of the measured
spectrum beside each model's implied one."""

import numpy as np

from xraylatent import logs
from xraylatent.data.prepare import scalers
from xraylatent.determinism import deterministic_job
from xraylatent.interpret.bootstrap import determined_features
from xraylatent.interpret.inverse import eca_decoder, nnca_decoder
from xraylatent.interpret.measured import invert_with_spread, measured_dataset, measured_targets
from xraylatent.io import atomic_write_text, config_digest, read_netcdf, read_prepared, read_raw, write_netcdf
from xraylatent.models.estimators import NNCA, Emulator
from xraylatent.report.figures import save
from xraylatent.report.measured_figure import measured_spectra
from xraylatent.report.tables import measured_markdown

log = logs.to_file(snakemake.log[0])
deterministic_job(snakemake.threads)
files, params = snakemake.input, snakemake.params
raw, prepared = read_raw(files.raw), read_prepared(files.prepared)
names = sorted(params.measured)
rows, shifts = [], []
for name in names:
    Y, shift, _ = measured_targets(params.measured[name], raw, dict(params.target))
    rows.append(Y)
    shifts.append(shift)
    log.info("measured spectrum %s (%s): shift %+.3f eV", name, params.measured[name]["path"], shift)
Y_std = scalers(prepared)[1].transform(np.array(rows))

inverters, bootstrap_spread, determined = {}, {}, {}
bootstrap = read_netcdf(files.bootstrap) if "bootstrap" in files.keys() else None
emulator = Emulator.load(files.emulator) if "emulator" in files.keys() else None
for k in params.latent_dims:
    if f"nnca_k{k}" in files.keys():
        nnca = NNCA.load(files[f"nnca_k{k}"])
        decode, device = nnca_decoder(nnca)
        inverters[f"nnca_k{k}"] = (decode, nnca.components_, device)
    if f"eca_k{k}" in files.keys():
        V = read_netcdf(files[f"eca_k{k}"])["V"].values
        decode, device = eca_decoder(emulator, V)
        inverters[f"eca_k{k}"] = (decode, V, device)
        if bootstrap is not None:  # ECA's decoder is the fixed emulator: invert through each resample's directions
            resampled = bootstrap["V"].sel(model="eca", k=k).values[:, :k]
            hats = [invert_with_spread(eca_decoder(emulator, V_r)[0], V_r, Y_std, device, **params.inverse)[0]
                    for V_r in resampled]
            bootstrap_spread[f"eca_k{k}"] = np.std(hats, axis=0, ddof=1)
    if bootstrap is not None:
        for family in ("nnca", "eca"):
            if f"{family}_k{k}" in inverters:
                determined[f"{family}_k{k}"] = determined_features(bootstrap, family, k).astype(int)

result = measured_dataset(prepared, names, np.array(rows), shifts, inverters, bootstrap_spread, determined,
                          **params.inverse)
result["path"] = (("measured",), np.array([str(params.measured[name]["path"]) for name in names]))
write_netcdf(result, snakemake.output.data, created_by=snakemake.rule,
             config_digest=config_digest(dict(params.items())))
atomic_write_text(snakemake.output.table, measured_markdown(result))
save(measured_spectra(result, title=params.description), snakemake.output.figure, dpi=params.dpi)
log.info("read back:\n%s", measured_markdown(result))
