"""Teaching scenarios for the Train tab: fixed seeds, so a class sees the same run every time.

Each scenario is a full parameter set for ``explorer.train.compute.validate`` (checked when this
module is imported); its title and lesson are ``train_scn_<name>`` and ``train_scn_<name>_lesson``
in explorer/locales/<lang>/train.json (``explorer.scenario``).
"""
from __future__ import annotations

from typing import Any

from explorer.scenario import Scenarios
from explorer.train.compute import PARAMS, validate

_BASE: dict[str, Any] = {name: p.default for name, p in PARAMS.items()}

SCENARIOS = Scenarios("train", {
    # ≥ 85 % test accuracy in a few seconds: a narrow network, one epoch, one-cycle schedule.
    "quick": dict(_BASE, blocks=2, filters=8, kernel_size=3, activation="relu", batch_norm=True,
                  dropout=0.0, dense=32, optimizer="adam", lr=4e-3, batch_size=128, epochs=1,
                  schedule="onecycle", seed=0),
    # ≥ 90 % in under a minute: wider, dropout, five epochs.
    "best": dict(_BASE, blocks=2, filters=16, kernel_size=3, activation="relu", batch_norm=True,
                 dropout=0.2, dense=128, optimizer="adam", lr=4e-3, batch_size=128, epochs=5,
                 schedule="onecycle", seed=0),
    # 500 training images, no regularisation: training accuracy → 100 %, validation loss rises.
    "overfit": dict(_BASE, blocks=2, filters=32, batch_norm=False, dropout=0.0, dense=256,
                    optimizer="adam", lr=1e-3, batch_size=50, epochs=80, train_size=500, seed=0),
    # The same 500 images with dropout and shifted copies: the train/validation gap narrows and the
    # validation loss stops climbing (measured: 0.68 against 1.24 for "overfit").
    "regularized": dict(_BASE, blocks=2, filters=32, batch_norm=False, dropout=0.3, dense=256,
                        optimizer="adam", lr=1e-3, batch_size=50, epochs=80, train_size=500,
                        augment=("shift",), seed=0),
    # Plain SGD with a learning rate 100x too high: the loss explodes or stalls.
    "lr_high": dict(_BASE, blocks=2, filters=16, batch_norm=False, dropout=0.0, dense=64,
                    optimizer="sgd", lr=3.0, batch_size=128, epochs=1, seed=0),
    # Four sigmoid blocks without batch norm: gradients vanish and the network learns nothing.
    "sigmoid": dict(_BASE, blocks=4, filters=16, activation="sigmoid", batch_norm=False,
                    dropout=0.0, dense=64, optimizer="sgd", lr=0.05, batch_size=128, epochs=1,
                    seed=0),
}, validate=validate)
