import pytest
import torch

from explorer.train.augment import AUGMENTATIONS, MAX_SHIFT_PX, augment_batch


def dots(b=64):
    x = torch.zeros(b, 1, 28, 28)
    x[:, 0, 14, 14] = 1.0  # one bright pixel in the middle
    return x


@pytest.mark.parametrize("ops", [(), ("shift",), ("rotate",), ("flip",), ("noise",), tuple(AUGMENTATIONS)])
def test_shape_and_range_kept(ops):
    x = torch.rand(32, 1, 28, 28)
    y = augment_batch(x, ops, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and y.dtype == x.dtype
    assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0


def test_shift_moves_whole_pixels_within_limit():
    y = augment_batch(dots(), ("shift",), torch.Generator().manual_seed(1))
    for img in y[:, 0]:
        assert torch.isclose(img.sum(), torch.tensor(1.0), atol=1e-5)  # mass kept, not blurred away
        r, c = divmod(int(img.argmax()), 28)
        assert abs(r - 14) <= MAX_SHIFT_PX and abs(c - 14) <= MAX_SHIFT_PX
        assert float(img.max()) == pytest.approx(1.0, abs=1e-5)  # whole-pixel shift: no interpolation
    moved = {int(img.argmax()) for img in y[:, 0]}
    assert len(moved) > 5


def test_rotation_keeps_centre_and_mass():
    x = torch.zeros(8, 1, 28, 28)
    x[:, 0, 10:18, 10:18] = 1.0
    y = augment_batch(x, ("rotate",), torch.Generator().manual_seed(2))
    assert torch.allclose(y.sum(dim=(1, 2, 3)), x.sum(dim=(1, 2, 3)), rtol=0.1)
    assert (y[:, 0, 13:15, 13:15] > 0.99).all()


def test_flip_mirrors_about_half_the_batch():
    x = torch.zeros(400, 1, 28, 28)
    x[:, 0, :, :5] = 1.0
    y = augment_batch(x, ("flip",), torch.Generator().manual_seed(3))
    flipped = (y[:, 0, :, -5:].sum(dim=(1, 2)) > 0).float().mean()
    assert 0.4 < float(flipped) < 0.6
    assert torch.equal(torch.sort(y.sum(dim=(1, 2, 3))).values, torch.sort(x.sum(dim=(1, 2, 3))).values)


def test_seeded_runs_repeat_and_unknown_ops_fail():
    x = torch.rand(16, 1, 28, 28)
    a = augment_batch(x, AUGMENTATIONS, torch.Generator().manual_seed(7))
    b = augment_batch(x, AUGMENTATIONS, torch.Generator().manual_seed(7))
    assert torch.equal(a, b)
    with pytest.raises(ValueError):
        augment_batch(x, ("zoom",), torch.Generator())
