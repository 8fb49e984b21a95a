"""The training settings shared by every trainer the workflow makes: one object, built once from config.

Candidates of a search differ in shape, learning rate and L2 (their hyperparameters); everything else about
how a network trains (batch size, epoch budget, early stopping, seed, device, and how the trainer runs its
steps: compiled, TF32) is a :class:`TrainSettings`.
It is the only place that knows the keyword names of the trainer (:mod:`xraylatent.engine.train`) and of the
estimators (:mod:`xraylatent.models.estimators`), so the config is translated into them once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class TrainSettings:
    """How every network trains (config ``models.training`` and ``models.device``)."""

    batch_size: int = 64
    max_epochs: int = 500
    patience: int = 20
    validation_fraction: float = 0.1
    seed: int = 0
    device: str = "auto"
    compile: bool = False  # torch.compile each training step (first epochs pay the compilation)
    tf32: bool = False  # TF32 matrix products on CUDA (faster, ~1e-3 relative precision)

    @classmethod
    def from_config(cls, training: Mapping, device: str = "auto") -> TrainSettings:
        """From the validated config: ``models.training`` (all keys) and ``models.device``."""
        return cls(**training, device=device)

    def as_config(self) -> dict:
        """Plain values (for Snakemake params and provenance digests)."""
        return asdict(self)

    def trainer_options(self) -> dict:
        """Keywords of the trainer (:class:`~xraylatent.engine.train.StackTrainer`, ``train_stack``)."""
        return dict(batch_size=self.batch_size, max_epochs=self.max_epochs, patience=self.patience, seed=self.seed,
                    device=self.device, compile=self.compile, tf32=self.tf32)

    def estimator_params(self) -> dict:
        """Constructor keywords of the estimators (scikit-learn names: the seed is ``random_state``)."""
        return dict(batch_size=self.batch_size, max_epochs=self.max_epochs, patience=self.patience,
                    validation_fraction=self.validation_fraction, random_state=self.seed, device=self.device,
                    compile=self.compile, tf32=self.tf32)
