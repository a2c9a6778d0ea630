"""Fit a beat classifier with Lightning: seeded, early-stopped and selected on validation.

Examples
--------
>>> cfg = TrainConfig(max_epochs=1)
>>> cfg.loss, cfg.class_weighting
('cross_entropy', 'inverse')
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import pandas as pd
import torch
import yaml
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger, Logger, TensorBoardLogger
from torch import nn

from vitalkit.beats.adapt import RecordSmoothing
from vitalkit.errors import ParamsError
from vitalkit.evaluate.metrics import selection_score
from vitalkit.io import atomic_path, save_npz, write_text
from vitalkit.models.classical import ClassicalBeatModel
from vitalkit.models.persist import save_model
from vitalkit.samples import BeatSet
from vitalkit.train.crossval import fit_with_cv_biases, fold_table
from vitalkit.train.data import SplitDataModule, class_weights, loss_weights
from vitalkit.train.module import ClassifierModule

WANDB_MODES = ("off", "offline", "online")
ACCELERATORS = ("cpu", "gpu", "cuda", "mps", "auto")


@dataclass
class TrainConfig:
    """Training settings (the ``train`` section of a parameter set).

    Attributes
    ----------
    max_epochs, patience : int
        Epoch limit and early-stopping patience on ``val_macro_f1``.
    batch_size : int
        Training batch size.
    lr, weight_decay : float
        AdamW settings (cosine schedule).
    loss : {'cross_entropy', 'focal'}
        Loss function.
    focal_gamma : float
        Focal loss focusing parameter.
    class_weighting : {'none', 'inverse', 'sqrt_inverse'}
        Class weights of the loss.
    sampler : {'shuffle', 'balanced', 'undersample'}
        Training sampler (see :class:`~vitalkit.train.data.EpochSampler`).
    majority_fraction : float
        Share of the majority class drawn per epoch with ``sampler='undersample'``.
    seed : int
        Seed of everything (weights, shuffling, sampling).
    wandb : {'off', 'offline', 'online'}
        Weights & Biases logging; offline writes to the product folder, online needs the
        user's opt-in and network.
    accelerator : {'cpu', 'gpu', 'cuda', 'mps', 'auto'}
        Lightning accelerator. ``'cpu'`` (the default) is deterministic bit for bit; ``'auto'``
        takes a GPU when torch sees one. A GPU asked for where torch sees none is refused.
    strategy : str
        Lightning strategy (``'auto'``, ``'ddp_notebook'``, ``'ddp_spawn'``).
    devices : int
        Processes (CPU) or GPUs for distributed strategies.
    threads : int
        Torch threads per process (0: leave torch's default).
    cv_folds : int
        Classical models: patient-grouped cross-validation folds over the training *and*
        validation patients (0: off, select on the validation patients only). The
        out-of-fold figures are saved and reported; the final model is fitted on all of them.
    tune_bias : bool
        Classical models with ``cv_folds``: choose post-hoc class biases on the out-of-fold
        probabilities (:func:`vitalkit.train.crossval.tune_class_bias`).
    record_smoothing : dict, optional
        Classical models with ``cv_folds``: ``{neighbours, keep}`` of the unsupervised
        per-record smoothing of the probabilities (:mod:`vitalkit.beats.adapt`), applied in the
        cross-validation (the biases are chosen on the smoothed probabilities) and stored with
        the model.
    """

    max_epochs: int = 30
    patience: int = 6
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-4
    loss: str = "cross_entropy"
    focal_gamma: float = 2.0
    class_weighting: str = "inverse"
    sampler: str = "shuffle"
    majority_fraction: float = 0.3

    seed: int = 0
    wandb: str = "offline"
    accelerator: str = "cpu"
    strategy: str = "auto"
    devices: int = 1
    threads: int = 0
    cv_folds: int = 0
    tune_bias: bool = True
    record_smoothing: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if self.max_epochs < 1:
            problems.append(f"max_epochs must be >= 1, got {self.max_epochs}")
        if self.batch_size < 1:
            problems.append(f"batch_size must be >= 1, got {self.batch_size}")
        if self.lr <= 0:
            problems.append(f"lr must be > 0, got {self.lr}")
        if self.wandb not in WANDB_MODES:
            problems.append(f"wandb must be one of {WANDB_MODES}, not {self.wandb!r}")
        if self.accelerator not in ACCELERATORS:
            problems.append(f"accelerator must be one of {ACCELERATORS}, not {self.accelerator!r}")
        elif self.accelerator in ("gpu", "cuda") and not torch.cuda.is_available():
            problems.append(
                f"accelerator {self.accelerator!r}: torch sees no CUDA GPU here (use cpu or auto)"
            )
        elif self.accelerator == "mps" and not torch.backends.mps.is_available():
            problems.append("accelerator 'mps': torch sees no Apple GPU here (use cpu or auto)")
        if self.record_smoothing is not None:
            try:
                RecordSmoothing.from_params(self.record_smoothing)
            except (TypeError, ValueError) as exc:
                problems.append(str(exc))
            if not self.cv_folds:
                problems.append("record_smoothing needs cv_folds (the class biases are chosen by CV)")
        if problems:
            raise ParamsError("train", problems)


@dataclass
class TrainResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    model : BeatNet
        The model with the weights of the best validation epoch.
    history : pandas.DataFrame
        One row per epoch: ``train_loss``, ``val_loss``, ``val_macro_f1``, ...
    best_epoch : int
        Epoch (0-based) selected on validation macro-F1.
    best_val_macro_f1 : float
        Its validation macro-F1.
    epochs_run : int
        Epochs trained before early stopping.
    wall_time_s : float
        Training wall time.
    n_parameters : int
        Trainable parameters.
    """

    model: Any
    history: pd.DataFrame
    best_epoch: int
    best_val_macro_f1: float
    epochs_run: int
    wall_time_s: float
    n_parameters: int | None

    def summary(self, timing: bool = True) -> dict[str, Any]:
        """Headline numbers as a flat dict; ``timing=False`` leaves out the wall time (the one
        entry that differs between two runs of the same parameters, so a notebook compared by
        nbval shows the rest)."""
        numbers = {
            "best_epoch": self.best_epoch,
            "best_val_macro_f1": self.best_val_macro_f1,
            "epochs_run": self.epochs_run,
            "wall_time_s": round(self.wall_time_s, 1),
            "n_parameters": self.n_parameters,
        }
        if not timing:
            del numbers["wall_time_s"]
        return numbers


class EpochPrinter(Callback):
    """Print one line per epoch (visible in the notebook and in the runner's terminal): epoch n/N,
    losses, the selection metric, time elapsed and an estimate of the time left.

    The estimate assumes every remaining epoch up to ``max_epochs`` runs as long as the mean
    epoch so far (early stopping can end the run sooner).

    Parameters
    ----------
    metric : str
        The validation metric printed after the losses (the selection criterion).
    """

    def __init__(self, metric: str = "val_macro_f1") -> None:
        self.metric = metric
        self._start = 0.0

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self._start = time.perf_counter()

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        m = {k: float(v) for k, v in trainer.callback_metrics.items()}
        print(
            epoch_line(trainer.current_epoch, trainer.max_epochs, m, self.metric, self._elapsed()), flush=True
        )

    def _elapsed(self) -> float:
        return time.perf_counter() - self._start if self._start else 0.0


def epoch_line(epoch: int, max_epochs: int, metrics: dict[str, float], metric: str, elapsed_s: float) -> str:
    """One progress line of :class:`EpochPrinter`.

    Examples
    --------
    >>> epoch_line(1, 6, {"train_loss": 0.5, "val_loss": 0.6, "val_macro_f1": 0.7}, "val_macro_f1", 20.0)
    'epoch 2/6  train_loss 0.5000  val_loss 0.6000  val_macro_f1 0.7000  elapsed 20 s  ETA 40 s'
    """
    done = epoch + 1
    eta = elapsed_s / done * max(max_epochs - done, 0)
    return (
        f"epoch {done}/{max_epochs}  train_loss {metrics.get('train_loss', float('nan')):.4f}"
        f"  val_loss {metrics.get('val_loss', float('nan')):.4f}"
        f"  {metric} {metrics.get(metric, float('nan')):.4f}"
        f"  elapsed {elapsed_s:.0f} s  ETA {eta:.0f} s"
    )


def _quiet_lightning() -> None:
    """Silence Lightning's banner lines and advertising tips; warnings still show."""
    for name in (
        "lightning.pytorch.utilities.rank_zero",
        "lightning.pytorch.accelerators.cuda",
        "lightning.fabric.utilities.seed",
    ):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*isinstance\\(treespec, LeafSpec\\).*")
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*smaller than the logging interval.*")


def _loggers(product_dir: Path, config: TrainConfig, run_name: str) -> list[Logger]:
    loggers: list[Logger] = [CSVLogger(product_dir, name="logs", version="")]
    loggers.append(TensorBoardLogger(product_dir, name="tensorboard", version="", default_hp_metric=False))
    if config.wandb != "off":
        os.environ.setdefault("WANDB_SILENT", "true")
        os.environ["WANDB_MODE"] = config.wandb
        os.environ.setdefault("WANDB_DIR", str(product_dir))
        from lightning.pytorch.loggers import WandbLogger

        wandb_logger = WandbLogger(
            project="vitalkit", name=run_name, save_dir=str(product_dir), offline=config.wandb == "offline"
        )
        # Lightning 2.6 always passes `anonymous` (None) to wandb.init, and wandb >= 0.22 warns
        # that the setting has no effect, a red box in every train report: leave it out
        getattr(wandb_logger, "_wandb_init", {}).pop("anonymous", None)
        loggers.append(wandb_logger)
    return loggers


def start_training(product_dir: str | Path, seed: int, threads: int = 0) -> Path:
    """Create ``product_dir``, quiet Lightning, set the torch threads (0: leave) and seed everything."""
    product_dir = Path(product_dir)
    product_dir.mkdir(parents=True, exist_ok=True)
    _quiet_lightning()
    if threads:
        torch.set_num_threads(threads)
    L.seed_everything(seed, workers=True, verbose=False)
    return product_dir


def make_trainer(
    product_dir: Path, config: TrainConfig, callbacks: list[Callback], run_name: str, **kwargs: Any
) -> L.Trainer:
    """A quiet, deterministic Lightning trainer on ``config.accelerator``, logging to ``product_dir``
    (CSV, TensorBoard, W&B)."""
    if config.accelerator != "cpu":
        # deterministic cuBLAS needs a fixed workspace (torch.use_deterministic_algorithms)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return L.Trainer(
        max_epochs=config.max_epochs,
        accelerator=config.accelerator,
        deterministic=True,
        logger=_loggers(product_dir, config, run_name),
        callbacks=callbacks,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        default_root_dir=product_dir,
        **kwargs,
    )


def tracked_config(config: TrainConfig) -> dict[str, Any]:
    """The training settings as flat scalars, for experiment trackers (TensorBoard HParams, W&B)."""
    flat = {k: v for k, v in asdict(config).items() if k != "extra"}
    for key, value in config.extra.items():
        flat[f"extra.{key}"] = value if isinstance(value, int | float | str | bool) else str(value)
    return flat


def _anonymise_event_files(log_dir: Path) -> None:
    """Rename TensorBoard's ``events.out.tfevents.<time>.<host>.<pid>.<n>`` files to
    ``events.out.tfevents.<time>.vitalkit.<n>`` (TensorBoard reads any name with that prefix), so
    that no host name reaches the run manifest's product list."""
    for path in sorted(log_dir.glob("events.out.tfevents.*")):
        parts = path.name.split(".")
        if len(parts) >= 7 and parts[3].isdigit() and parts[-2].isdigit() and parts[4] != "vitalkit":
            path.rename(path.with_name(".".join([*parts[:4], "vitalkit", parts[-1]])))


def close_trackers(trainer: L.Trainer, config: dict[str, Any], final: dict[str, float]) -> None:
    """Give the trackers the run's settings with its final metrics, then close them.

    TensorBoard gets an HParams entry (settings beside ``hp/<metric>``, comparable across runs in
    its HParams tab); an offline W&B run gets its config and summary and is finished, so that
    ``wandb sync`` accepts it.
    """
    for logger in trainer.loggers:
        if isinstance(logger, TensorBoardLogger):
            logger.log_hyperparams(config, {f"hp/{k}": v for k, v in final.items()})
            logger.finalize("success")
            # Lightning writes hparams.yaml once, at the start; rewrite it with the settings and
            # the final metrics, in plain YAML that yaml.safe_load reads
            hparams = json.loads(json.dumps({**dict(logger.hparams), "final_metrics": final}, default=str))
            write_text(Path(logger.log_dir) / "hparams.yaml", yaml.safe_dump(hparams, sort_keys=False))
            _anonymise_event_files(Path(logger.log_dir))
        elif type(logger).__name__ == "WandbLogger":
            run = logger.experiment
            run.config.update(config, allow_val_change=True)
            run.summary.update(final)
            run.finish()


def load_best_weights(model: torch.nn.Module, checkpoint_path: str | Path) -> torch.nn.Module:
    """Load the ``model.`` weights of a LightningModule checkpoint into ``model`` (eval mode)."""
    best = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
    model.load_state_dict(
        {k.removeprefix("model."): v for k, v in best["state_dict"].items() if k.startswith("model.")}
    )
    return model.eval()


def _relative_paths(value: Any, folder: str) -> Any:
    """``value`` with every string naming a path inside ``folder`` made relative to it."""
    if isinstance(value, str):
        return os.path.relpath(value, folder) if value.startswith(folder + os.sep) else value
    if isinstance(value, dict):
        return {_relative_paths(k, folder): _relative_paths(v, folder) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_relative_paths(v, folder) for v in value)
    return value


def portable_checkpoint(checkpoint_path: str | Path, product_dir: str | Path) -> Path:
    """Rewrite a Lightning checkpoint so that it names no machine path.

    ``ModelCheckpoint`` stores its absolute ``dirpath`` and ``best_model_path`` (inside the
    stage's temporary folder, whose name carries the process id) in the checkpoint: they become
    relative to the product folder (``checkpoints/best.ckpt``), so two runs write the same bytes.
    """
    path = Path(checkpoint_path)
    state = torch.load(path, map_location="cpu", weights_only=True)
    folders = {str(Path(product_dir)), str(Path(product_dir).resolve())}
    for folder in sorted(folders, key=len, reverse=True):
        state = _relative_paths(state, folder)
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return path


def read_history(product_dir: str | Path) -> pd.DataFrame:
    """Per-epoch metrics from the CSV log of a training product folder."""
    path = Path(product_dir) / "logs" / "metrics.csv"
    raw = pd.read_csv(path)
    history = raw.groupby("epoch").agg(lambda s: s.dropna().iloc[-1] if s.notna().any() else float("nan"))
    return history.drop(columns=[c for c in ("step",) if c in history]).reset_index()


@functools.singledispatch
def fit(
    model: Any, data: SplitDataModule, product_dir: str | Path, config: TrainConfig, run_name: str = "model"
) -> TrainResult:
    """Train ``model`` on ``data``; return it with the weights selected on validation.

    Dispatches on the model's type: :class:`BeatNet` trains with Lightning
    (:func:`_fit_neural`), :class:`~vitalkit.models.ClassicalBeatModel` with scikit-learn
    (:func:`_fit_classical`).
    """
    raise ParamsError("model", [f"cannot train a {type(model).__name__}"])


@fit.register(nn.Module)
def _fit_neural(
    model: nn.Module,
    data: SplitDataModule,
    product_dir: str | Path,
    config: TrainConfig,
    run_name: str = "model",
) -> TrainResult:
    """Lightning training: checkpoints in ``<product_dir>/checkpoints``, logs in ``logs/`` (CSV),
    ``tensorboard/`` and, when enabled, ``wandb/``; seeded, deterministic mode. With a
    distributed ``config.strategy`` (``ddp_notebook`` in a notebook, ``ddp_fork``/``ddp_spawn``
    in scripts) ``config.devices`` CPU processes train together."""
    product_dir = start_training(product_dir, config.seed, config.threads)
    data.setup()
    module = ClassifierModule(
        model,
        classes=data.classes,
        class_weights=loss_weights(data.train_set, config.class_weighting).tolist(),
        loss=config.loss,
        focal_gamma=config.focal_gamma,
        lr=config.lr,
        weight_decay=config.weight_decay,
        max_epochs=config.max_epochs,
        task=data.task,
    )
    checkpoint = ModelCheckpoint(
        dirpath=product_dir / "checkpoints", filename="best", monitor="val_macro_f1", mode="max", save_top_k=1
    )
    callbacks = [
        checkpoint,
        EarlyStopping(monitor="val_macro_f1", mode="max", patience=config.patience),
        EpochPrinter(),
    ]
    trainer = make_trainer(
        product_dir,
        config,
        callbacks,
        run_name,
        devices=config.devices,
        strategy=config.strategy,
        log_every_n_steps=50,
        use_distributed_sampler=False,  # SplitDataModule shards training data itself
    )
    start = time.perf_counter()
    trainer.fit(module, datamodule=data)
    wall = time.perf_counter() - start
    best_path = checkpoint.best_model_path or product_dir / "checkpoints" / "best.ckpt"
    load_best_weights(model, best_path)
    portable_checkpoint(best_path, product_dir)
    history = read_history(product_dir)
    best_row = history.loc[history["val_macro_f1"].idxmax()]
    close_trackers(
        trainer,
        {"run": run_name, "architecture": type(model).__name__, **tracked_config(config)},
        {"best_val_macro_f1": float(best_row["val_macro_f1"]), "best_epoch": int(best_row["epoch"])},
    )
    return TrainResult(
        model=model.eval(),
        history=history,
        best_epoch=int(best_row["epoch"]),
        best_val_macro_f1=float(best_row["val_macro_f1"]),
        epochs_run=int(history["epoch"].max()) + 1,
        wall_time_s=wall,
        n_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad),
    )


@fit.register(ClassicalBeatModel)
def _fit_classical(
    model: ClassicalBeatModel,
    data: SplitDataModule,
    product_dir: str | Path,
    config: TrainConfig,
    run_name: str = "model",
) -> TrainResult:
    """scikit-learn training with the same class weighting; gradient boosting stops early on the
    validation patients and its validation macro-F1 is recorded every few iterations."""
    product_dir = Path(product_dir)
    product_dir.mkdir(parents=True, exist_ok=True)
    data.setup()
    train, val = data.train_set, data.val_set
    assert train is not None and val is not None
    if config.cv_folds:
        return _fit_classical_cv(model, type(train).concatenate([train, val], train), product_dir, config)
    weights = class_weights(np.bincount(train.labels, minlength=len(train.classes)), config.class_weighting)
    start = time.perf_counter()
    model.fit(
        train.windows,
        train.rr,
        train.labels,
        sample_weight=weights[train.labels],
        validation=(val.windows, val.rr, val.labels),
    )
    wall = time.perf_counter() - start
    rows = []
    if model.architecture == "gbdt":
        for i, proba in enumerate(model.staged_predict_proba(val.windows, val.rr)):
            rows.append(
                {"epoch": i, "val_macro_f1": selection_score(val.labels, proba.argmax(1), val.classes)}
            )
    else:
        proba = model.predict_proba(val.windows, val.rr)
        rows.append({"epoch": 0, "val_macro_f1": selection_score(val.labels, proba.argmax(1), val.classes)})
    history = pd.DataFrame(rows)
    write_text(product_dir / "history.csv", history.to_csv(index=False))
    last = history.iloc[-1]  # the fitted model is the last iteration (early stopping on val loss)
    return TrainResult(
        model=model,
        history=history,
        best_epoch=int(last["epoch"]),
        best_val_macro_f1=float(last["val_macro_f1"]),
        epochs_run=len(history),
        wall_time_s=wall,
        n_parameters=None,
    )


def _fit_classical_cv(
    model: ClassicalBeatModel, pool: BeatSet, product_dir: Path, config: TrainConfig
) -> TrainResult:
    """Cross-validate over every training and validation patient, choose the class biases on
    the out-of-fold probabilities, then fit the final model on all of them.

    Writes ``cv_oof.npz`` (out-of-fold probabilities, labels, records, fold, biases) and
    ``cv_folds.csv``; the CV selection score is the model's validation figure."""
    start = time.perf_counter()
    cv = fit_with_cv_biases(
        model,
        pool,
        config.cv_folds,
        config.class_weighting,
        config.seed,
        config.tune_bias,
        RecordSmoothing.from_params(config.record_smoothing),
    )
    wall = time.perf_counter() - start
    save_npz(
        product_dir / "cv_oof.npz",
        probabilities=cv.probabilities.astype(np.float32),
        labels=pool.labels,
        record=pool.record,
        symbol=pool.symbol,
        fold=cv.fold,
        class_bias=cv.class_bias,
        **({} if cv.neighbours is None else {"neighbours": cv.neighbours, "keep": np.float64(cv.keep)}),
    )
    folds = fold_table(cv, pool.labels, pool.classes)
    write_text(product_dir / "cv_folds.csv", folds.to_csv())
    score = selection_score(pool.labels, cv.biased().argmax(axis=1), pool.classes)
    history = pd.DataFrame([{"epoch": 0, "val_macro_f1": score}])
    write_text(product_dir / "history.csv", history.to_csv(index=False))
    return TrainResult(
        model=model,
        history=history,
        best_epoch=0,
        best_val_macro_f1=score,
        epochs_run=1,
        wall_time_s=wall,
        n_parameters=None,
    )


def save_trained_model(product_dir: str | Path, result: TrainResult, config: TrainConfig, label: str) -> Path:
    """Write the weights (``model.pt``, or ``model.skops`` for scikit-learn models: no pickle),
    ``model.json`` (how to rebuild it) and ``metrics.json``.

    See :func:`vitalkit.models.persist.save_model`, which this calls with the training settings.
    """
    return save_model(product_dir, result.model, label, asdict(config), result.summary())
