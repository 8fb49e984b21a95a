"""Logging for workflow scripts: everything to the rule's log file, and errors with context."""

from __future__ import annotations

import logging
import sys


def to_file(path, level: int = logging.INFO) -> logging.Logger:
    """Send the ``xraylatent`` loggers (and warnings) to ``path`` and return the script's logger."""
    handler = logging.FileHandler(path, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler, logging.StreamHandler(sys.stderr)]
    root.setLevel(level)
    logging.captureWarnings(True)
    logger = logging.getLogger("xraylatent")

    def log_uncaught(kind, value, traceback):
        logger.critical("failed: %s", value, exc_info=(kind, value, traceback))

    sys.excepthook = log_uncaught  # so the rule's log says why it failed, not only Snakemake's stderr
    return logger
