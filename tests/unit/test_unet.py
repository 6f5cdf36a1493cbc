"""The class-conditional U-Net denoiser (models/unet.py): shapes, conditioning, checkpoints, ONNX."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from models import unet
from models.unet import NULL_CLASS, UNet, UNetConfig

TINY = dict(channels=8, multipliers=(1, 2), blocks_per_level=1, groups=4, T=100)


def _randomised(cfg: UNetConfig, seed: int = 0) -> UNet:
    """A model whose zero-initialised output layers are replaced by random weights, so the output
    depends on every input (a fresh model predicts ε̂ = 0 everywhere)."""
    torch.manual_seed(seed)
    m = UNet(cfg)
    with torch.no_grad():
        for p in m.parameters():
            if not p.any():
                p.normal_(0, 0.1)
    return m.eval()


def _inputs(b: int = 3, T: int = 100, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, 1, 28, 28, generator=g), torch.randint(0, T, (b,), generator=g),
            torch.randint(0, 10, (b,), generator=g))


def test_shapes_default_and_tiny():
    for cfg in (UNetConfig(), UNetConfig(**TINY), UNetConfig(attention=True, **TINY)):
        x, t, y = _inputs(2, cfg.T)
        with torch.no_grad():
            assert _randomised(cfg)(x, t, y).shape == (2, 1, 28, 28)


def test_fresh_model_predicts_zero_noise():
    x, t, y = _inputs()
    with torch.no_grad():
        assert torch.equal(UNet(UNetConfig(**TINY))(x, t, y), torch.zeros_like(x))


def test_time_and_class_change_the_output():
    m = _randomised(UNetConfig(**TINY))
    x, t, y = _inputs()
    with torch.no_grad():
        base = m(x, t, y)
        assert (m(x, (t + 37) % 100, y) - base).abs().max() > 1e-4
        assert (m(x, t, (y + 1) % 10) - base).abs().max() > 1e-4
        null = m(x, t, torch.full_like(y, NULL_CLASS))
        assert torch.isfinite(null).all() and (null - base).abs().max() > 1e-4


def test_null_class_is_the_last_embedding_row():
    cfg = UNetConfig(**TINY)
    assert cfg.null_class == NULL_CLASS == cfg.num_classes
    assert UNet(cfg).class_emb.num_embeddings == cfg.num_classes + 1


def test_batch_rows_are_independent():
    m = _randomised(UNetConfig(**TINY))
    x, t, y = _inputs(4)
    with torch.no_grad():
        whole = m(x, t, y)
        one = m(x[2:3], t[2:3], y[2:3])
    assert torch.allclose(whole[2:3], one, atol=1e-5)


def test_timestep_embedding():
    e = unet.timestep_embedding(torch.tensor([0, 5]), 16)
    assert e.shape == (2, 16)
    assert torch.allclose(e[0, :8], torch.ones(8)) and torch.allclose(e[0, 8:], torch.zeros(8))


def test_bad_config_is_refused():
    with pytest.raises(ValueError):
        UNet(UNetConfig(channels=10, groups=4))
    with pytest.raises(ValueError):
        UNet(UNetConfig(dropout=1.0))


def test_checkpoint_round_trip(tmp_path):
    m = _randomised(UNetConfig(**TINY))
    path = tmp_path / "u.pt"
    unet.save_checkpoint(m, path, {"recognised": 0.5})
    m2, metrics = unet.load_checkpoint(path)
    assert metrics == {"recognised": 0.5} and m2.cfg == m.cfg and not m2.training
    x, t, y = _inputs()
    with torch.no_grad():
        assert torch.equal(m(x, t, y), m2(x, t, y))


def test_onnx_matches_torch_with_dynamic_batch(tmp_path):
    import onnxruntime as ort

    m = _randomised(UNetConfig(**TINY))
    path = unet.export_onnx(m, tmp_path / "u.onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["x", "t", "y"]
    assert [o.name for o in sess.get_outputs()] == ["eps"]
    for b in (1, 5):
        x, t, y = _inputs(b)
        y[0] = NULL_CLASS
        got = sess.run(None, {"x": x.numpy(), "t": t.numpy(), "y": y.numpy()})[0]
        with torch.no_grad():
            ref = m(x, t, y).numpy()
        assert got.shape == (b, 1, 28, 28)
        np.testing.assert_allclose(got, ref, atol=1e-4)


def test_shipped_config_fits_the_size_budget(tmp_path):
    from scripts.build_assets import DIFFUSION_CONFIG

    m = UNet(UNetConfig.from_dict(DIFFUSION_CONFIG))
    assert unet.count_parameters(m) < 2_000_000
    path = tmp_path / "s.pt"
    unet.save_checkpoint(m, path)
    assert path.stat().st_size <= 20 * 1024 * 1024


def test_shipped_denoiser_matches_its_manifest():
    import json
    from pathlib import Path

    import onnxruntime as ort

    assets = Path(__file__).resolve().parents[2] / "assets"
    if not (assets / "diffusion_fashion.pt").is_file():
        pytest.skip("assets/diffusion_fashion.pt not built")
    entry = json.loads((assets / "manifest.json").read_text())["artifacts"]["diffusion_fashion"]
    m = entry["metrics"]
    assert m["recognised"] >= 0.80 and m["recognised_samples"] >= 160
    assert entry["schedule"]["kind"] in ("linear", "cosine") and entry["schedule"]["T"] == 1000
    assert (assets / "diffusion_fashion.pt").stat().st_size <= 20 * 1024 * 1024
    model, _ = unet.load_checkpoint(assets / "diffusion_fashion.pt")
    sess = ort.InferenceSession(str(assets / "diffusion_fashion.onnx"), providers=["CPUExecutionProvider"])
    x, t, y = _inputs(4, model.cfg.T)
    y[-1] = NULL_CLASS
    got = sess.run(None, {"x": x.numpy(), "t": t.numpy(), "y": y.numpy()})[0]
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x, t, y).numpy(), atol=1e-4)
