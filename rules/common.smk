# Shared helpers: config validation, wildcard constraints and input functions.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from xraylatent.config import validate_config
from xraylatent.data.sources import SYNTHETIC_GENERATORS, geo2_md
from xraylatent.engine.settings import TrainSettings
from xraylatent.models.names import SEARCHED_PATTERN, model_names, parse_model
from xraylatent.selection.candidates import budget_warnings, dataset_search, dataset_space
from snakemake.logging import logger

validate_config(config, Path(workflow.basedir) / "schemas" / "config.schema.yaml", checks=(geo2_md.config_errors,))
for message in budget_warnings(config):
    logger.warning(f"Warning: {message}")

DATASETS = sorted(config["datasets"])

# The report opens on the answer: report/workflow.rst shows the R² table and its reading once rule r2_table has
# written them (the report's description sees only the config, so they travel in it, after validation).
LANDING = Path("results/tables/r2_landing.rst")
config["_landing"] = LANDING.read_text() if LANDING.is_file() else ""


def _names_pattern(names):
    return "|".join(names) if names else "(?!)"


def datasets_from(generators):
    """Data sets whose raw.nc comes from one of ``generators``."""
    return [d for d in DATASETS if config["datasets"][d]["source"]["generator"] in generators]


def targets_of(dataset):
    return sorted(config["datasets"][dataset]["targets"])


def dataset_config(wildcards):
    return config["datasets"][wildcards.dataset]


def target_config(wildcards):
    return config["datasets"][wildcards.dataset]["targets"][wildcards.target]


wildcard_constraints:
    dataset=_names_pattern(DATASETS),
    target=_names_pattern(sorted({t for d in DATASETS for t in config["datasets"][d]["targets"]})),


def data_outputs():
    """Prepared data and data figures of every data set."""
    outputs = [f"results/figures/{d}_spectra.png" for d in DATASETS] + md_figures()
    for d in DATASETS:
        outputs += [f"results/{d}/{t}/prepared.nc" for t in targets_of(d)]
    return outputs


MODELS = config["models"]
MODEL_NAMES = model_names(MODELS["families"], MODELS["latent_dims"])
# How every network trains (one TrainSettings, passed to each job that trains one as plain params).
TRAINING = TrainSettings.from_config(MODELS["training"], MODELS["device"]).as_config()


def family_of(model):
    """``ednn_k2`` → ``ednn``."""
    return parse_model(model)[0]


def fitted_models():
    """(data set, target, model) of every model fitted, in the order of model_summaries()."""
    return [(d, t, m) for d in DATASETS for t in targets_of(d) for m in MODEL_NAMES]


def model_summaries(wildcards=None):
    """The ``models/{model}.nc`` of every data set, target and model."""
    return [f"results/{d}/{t}/models/{m}.nc" for d, t, m in fitted_models()]


def search_space(wildcards):
    """The search space of the job's family: the data set's own (datasets.<name>.space) where it names one."""
    return dataset_space(config, wildcards.dataset, family_of(wildcards.model))


SEARCHED_MODELS = [m for m in MODEL_NAMES if family_of(m) != "eca"]
ECA_DIMS = MODELS["latent_dims"] if "eca" in MODELS["families"] else []


def fitted_targets():
    """(data set, target) of every target with models, in the order of fitted_models()."""
    return [(d, t) for d in DATASETS for t in targets_of(d)]


def seed_spreads(wildcards=None):
    """The ``models/seed_spread.nc`` of every data set and target, in the order of fitted_targets()."""
    return [f"results/{d}/{t}/models/seed_spread.nc" for d, t in fitted_targets()]


def baseline_summaries(wildcards=None):
    """The ``models/baselines.nc`` of every data set and target (in the order of fitted_targets()); none
    without ECA, whose emulator scores them."""
    return [f"results/{d}/{t}/models/baselines.nc" for d, t in fitted_targets()] if ECA_DIMS else []


def all_outputs():
    return data_outputs() + ["results/tables/r2.md", "results/figures/r2_families.png"] + interpret_outputs()


def md_figures():
    """The MD structure figure of every data set made by molecular dynamics of GeO2."""
    return [f"results/figures/{d}_md.png" for d in datasets_from(["geo2_md"])]


# Physics data sets (rules/physics.smk): structures → spectra in chunks → raw.nc.
# One-thread CPU seconds per structure, measured; a chunk job asks for twice its expected time.
SECONDS_PER_STRUCTURE = {"h2o_md": 0.7, "fast": 1.8, "cheap": 3.5, "reference": 11.0}
MD_SECONDS_PER_ATOM_STEP = 6e-6  # LAMMPS, PPPM 1e-4, one thread (docs/physics.md)


def source_config(wildcards):
    return config["datasets"][wildcards.dataset]["source"]


def spectra_chunks(wildcards):
    """The chunk files of a physics data set, in order (gathered into raw.nc)."""
    n_chunks = source_config(wildcards)["spectra"]["n_chunks"]
    return [f"results/{wildcards.dataset}/chunks/chunk_{i}.nc" for i in range(n_chunks)]


def spectra_runtime(wildcards):
    """Minutes for one spectra chunk job: twice the expected CPU time, at least 10."""
    source = source_config(wildcards)
    if source["generator"] == "h2o_md":
        n, cost = source["md"]["n_trajectories"] * source["md"]["snapshots_per_trajectory"], "h2o_md"
    elif source["generator"] == "geo2_md":
        per_snapshot = source["clusters"]["per_snapshot"] or source["md"]["n_germanium"]
        n = source["clusters"]["total"] or len(source["pressures"]) * source["md"]["protocol"]["snapshots"] * per_snapshot
        cost = source["spectra"]["setting"]
    else:
        n, cost = len(source["pressures"]) * source["per_pressure"], source["spectra"]["setting"]
    return max(10, int(2 * SECONDS_PER_STRUCTURE[cost] * n / source["spectra"]["n_chunks"] / 60) + 1)


def md_cells(wildcards):
    """The MD cell files of a GeO2 MD data set, one per pressure, in the order of its pressures."""
    return [f"results/{wildcards.dataset}/md/pressure_{i}.nc" for i in range(len(source_config(wildcards)["pressures"]))]


def md_runtime(wildcards):
    """Minutes for one MD job: twice the expected CPU time of its steps, at least 10."""
    md = source_config(wildcards)["md"]
    protocol = geo2_md.MeltQuench(**md["protocol"])
    steps = protocol.steps(protocol.total_ps)
    return max(10, int(2 * MD_SECONDS_PER_ATOM_STEP * 3 * md["n_germanium"] * steps / 60) + 1)


# Interpretation stage (rules/interpret.smk).
INTERPRET = config["interpret"]
LATENT_DIMS = sorted(MODELS["latent_dims"])
INVERTED_FAMILIES = [f for f in ("nnca", "eca") if f in MODELS["families"]]
BOOTSTRAP = INTERPRET["bootstrap"]
# The bootstrap compares ECA with NNCA resample by resample and orders NNCA like the components rule.
WITH_BOOTSTRAP = {"nnca", "eca"} <= set(MODELS["families"])
BOOTSTRAP_CHUNKS = min(BOOTSTRAP["n_chunks"], BOOTSTRAP["n"])


def bootstrap_resamples(wildcards):
    """The resample numbers of bootstrap chunk {chunk}: 0..n−1 split into nearly equal runs."""
    n, chunk = BOOTSTRAP["n"], int(wildcards.chunk)
    return list(range(chunk * n // BOOTSTRAP_CHUNKS, (chunk + 1) * n // BOOTSTRAP_CHUNKS))


def h2o_like_datasets():
    """Data sets described by (α, b_l, b_s): the isosurface figures need exactly these three features."""
    return [d for d in DATASETS if config["datasets"][d]["featurizer"]["name"] == "h2o_internal"]


def interpret_outputs():
    """Final files of this stage, for all_outputs() in common.smk."""
    outputs = []
    families = set(MODELS["families"])
    for d in DATASETS:
        for t in targets_of(d):
            if WITH_BOOTSTRAP:
                outputs += [f"results/{d}/{t}/interpret/components.md", f"results/figures/{d}_{t}_components.png",
                            f"results/{d}/{t}/interpret/bootstrap.md", f"results/figures/{d}_{t}_bootstrap.png"]
            if INVERTED_FAMILIES:
                outputs += [f"results/figures/{d}_{t}_reconstruction.png",
                            f"results/figures/{d}_{t}_reconstructability.png"]
    if {"nnca", "eca", "ednn"} <= families and 1 in LATENT_DIMS:
        outputs += [f"results/figures/{d}_isosurfaces.png" for d in h2o_like_datasets()]
    if INVERTED_FAMILIES:
        outputs += [f"results/figures/{d}_{t}_measured.png" for d, t in measured_targets()]
    return outputs


# Measured spectra (rules/measured.smk): datasets.<name>.measured.<spectrum> names its file and its target.
def measured_of(dataset, target):
    """Names of the measured spectra of ``dataset`` that are read back through the models of ``target``."""
    measured = config["datasets"][dataset].get("measured", {})
    return sorted(name for name, spec in measured.items() if spec["target"] == target)


def measured_targets():
    """(data set, target) of every target with at least one measured spectrum."""
    return [(d, t) for d, t in fitted_targets() if measured_of(d, t)]


def measured_inputs(wildcards):
    """The measured spectrum files and the model files of every k that reading {dataset}/{target} back needs."""
    measured = config["datasets"][wildcards.dataset]["measured"]
    files = {f"measured_{name}": measured[name]["path"] for name in measured_of(wildcards.dataset, wildcards.target)}
    for k in LATENT_DIMS:
        for role, path in inverted_model_files(wildcards.dataset, wildcards.target, k).items():
            files[role if role in ("emulator", "bootstrap") else f"{role}_k{k}"] = path
    return files


def inverted_model_files(dataset, target, k):
    """The model files inverting ``dataset``/``target`` at ``k`` needs: NNCA, and ECA with its emulator."""
    models = f"results/{dataset}/{target}/models"
    files = {}
    if "nnca" in INVERTED_FAMILIES:
        files["nnca"] = f"{models}/nnca_k{k}.pt"
    if "eca" in INVERTED_FAMILIES:
        files.update(eca=f"{models}/eca_k{k}.nc", emulator=f"{models}/emulator.pt")
    if WITH_BOOTSTRAP:
        files["bootstrap"] = f"results/{dataset}/{target}/interpret/bootstrap.nc"
    return files


def reconstruct_models(wildcards):
    return inverted_model_files(wildcards.dataset, wildcards.target, wildcards.k)
