# xraylatent: from structures and spectra to the few structural degrees of freedom a spectrum sees.
# Layout, data contract and rule graph: docs/architecture.md.
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


# The embedded default run reads config/config.yaml; a config given with --configfile replaces it instead of
# being merged into it (keys it leaves out take the schema's defaults), so a user's file runs only what it names.
if not workflow.overwrite_configfiles:

    configfile: str(Path(workflow.basedir) / "config" / "config.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/physics.smk"
include: "rules/models.smk"
include: "rules/interpret.smk"
include: "rules/measured.smk"
include: "rules/ingest.smk"
include: "rules/cluster.smk"


rule all:
    input:
        all_outputs(),
    default_target: True
