"""Export a model to a single-file ONNX graph with a dynamic batch dimension.

torch 2.13's exporter is ``torch.onnx.export(..., dynamo=True)``: it traces with ``torch.export``,
so we export with a batch of 2 (a batch of 1 would be specialised, pytorch#157621) and declare the
batch dimension dynamic. ``external_data=False`` keeps weights inside the ``.onnx`` file.
"""
from __future__ import annotations

import contextlib
import copy
import io
import warnings
from collections.abc import Sequence
from pathlib import Path

import torch


def export_onnx(model: torch.nn.Module, path: str | Path, input_shape: tuple[int, ...] = (1, 28, 28),
                input_name: str = "x", output_name: str = "logits", opset: int = 20,
                output_names: Sequence[str] | None = None) -> Path:
    """Write ``model`` (on a copy, in eval mode) to ``path``; returns the path. A model with several
    outputs names them all in ``output_names`` (which then replaces ``output_name``)."""
    path = Path(path)
    m = copy.deepcopy(model).eval().to(memory_format=torch.contiguous_format)
    x = torch.rand(2, *input_shape)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (x,), str(path), input_names=[input_name],
                          output_names=list(output_names or [output_name]),
                          dynamo=True, external_data=False, opset_version=opset,
                          dynamic_shapes={input_name: {0: "batch"}}, verbose=False)
    return path
