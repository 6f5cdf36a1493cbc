import pytest
import torch

from models.cnn import CNNConfig, SmallCNN, count_parameters, layer_summary, load_checkpoint, save_checkpoint


def hand_count(filters, k, bn, dense, in_ch=1, size=28, classes=10):
    total, c_in, s = 0, in_ch, size
    for f in filters:
        total += c_in * f * k * k + (2 * f if bn else f)  # conv weights (+bias when no BN) / BN γ,β
        c_in, s = f, s // 2
    return total + (c_in * s * s) * dense + dense + dense * classes + classes


@pytest.mark.parametrize("filters,k,bn,dense", [((8, 16), 3, True, 32), ((32, 64), 3, True, 128),
                                                ((4,), 5, False, 16), ((8, 16, 32, 64), 5, False, 64)])
def test_parameter_count_matches_hand_count(filters, k, bn, dense):
    model = SmallCNN(CNNConfig(filters=filters, kernel_size=k, batch_norm=bn, dense=dense))
    assert count_parameters(model) == hand_count(filters, k, bn, dense)


def test_shapes_per_layer():
    model = SmallCNN(CNNConfig(filters=(8, 16, 32), kernel_size=5))
    rows = {r["layer"]: r for r in layer_summary(model)}
    assert rows["conv1"]["output_shape"] == (8, 28, 28)
    assert rows["pool1"]["output_shape"] == (8, 14, 14)
    assert rows["pool2"]["output_shape"] == (16, 7, 7)
    assert rows["pool3"]["output_shape"] == (32, 3, 3)
    assert rows["flatten"]["output_shape"] == (288,)
    assert rows["fc2"]["output_shape"] == (10,)
    assert sum(r["params"] for r in rows.values()) == count_parameters(model)
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    assert model.embed(torch.rand(3, 1, 28, 28)).shape == (3, 128)


def test_four_blocks_reach_one_pixel():
    model = SmallCNN(CNNConfig(filters=(4, 4, 4, 4)))
    assert model.feature_dim == 4  # 28 -> 14 -> 7 -> 3 -> 1


@pytest.mark.parametrize("bad", [dict(filters=()), dict(filters=(8,) * 5), dict(kernel_size=4),
                                 dict(activation="gelu"), dict(dropout=1.0), dict(dense=2),
                                 dict(filters=(0,))])
def test_invalid_configs_are_rejected(bad):
    with pytest.raises(ValueError):
        SmallCNN(CNNConfig(**bad))


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_activation_modules_are_separate_and_not_inplace(act):
    model = SmallCNN(CNNConfig(activation=act))
    acts = [m for m in model.modules() if type(m).__name__.lower() in ("relu", "tanh", "sigmoid")]
    assert len(acts) == len({id(m) for m in acts}) == 3
    assert all(not getattr(m, "inplace", False) for m in acts)


def test_checkpoint_roundtrip(tmp_path):
    torch.manual_seed(0)
    model = SmallCNN(CNNConfig(filters=(8, 16), dense=32, dropout=0.1)).eval()
    save_checkpoint(model, tmp_path / "m.pt", {"test_acc": 0.5})
    loaded, metrics = load_checkpoint(tmp_path / "m.pt")
    x = torch.rand(4, 1, 28, 28)
    assert torch.equal(loaded(x), model(x))
    assert metrics == {"test_acc": 0.5}
    assert loaded.cfg == model.cfg
