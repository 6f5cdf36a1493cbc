"""explorer.diffusion.views: the schedule plot, the forward-process strip and the sample grid."""
import itertools

import numpy as np

from explorer.diffusion import compute as dif
from explorer.diffusion import views as dv


def test_schedule_figure_has_both_schedules_in_three_panels():
    fig = dv.schedule_figure([dif.linear_schedule(), dif.cosine_schedule()], "es", mark_t=250)
    assert len(fig.data) == 6 and {tr.name for tr in fig.data} == {"lineal (Ho et al. 2020)",
                                                                   "coseno (Nichol y Dhariwal 2021)"}
    lin_abar = np.asarray(fig.data[1].y)
    np.testing.assert_allclose(lin_abar, dif.linear_schedule().alpha_bars[1:])
    assert len(fig.layout.shapes) == 3  # the marked step in every panel


def test_forward_strip_follows_the_closed_form():
    x0 = np.zeros((28, 28), np.float32)
    x0[8:20, 8:20] = 1.0
    s = dif.linear_schedule()
    img, recs = dv.forward_strip(x0, s, [0, 100, 500, 1000], seed=3, lang="en")
    assert img.width > 4 * dv.TILE and [r["t"] for r in recs] == [0, 100, 500, 1000]
    abar = [r["alpha_bar"] for r in recs]
    assert abar[0] == 1.0 and all(a > b for a, b in itertools.pairwise(abar))
    assert recs[0]["snr_db"] is None and recs[1]["snr_db"] > recs[2]["snr_db"] > recs[3]["snr_db"]
    # t = 0 is the image itself (drawn dark on white)
    tile = np.asarray(img.crop((8, 30 + 20, 8 + dv.TILE, 30 + 20 + dv.TILE)).convert("L"))
    assert tile[dv.TILE // 2, dv.TILE // 2] == 0 and tile[2, 2] == 255


def test_samples_grid_layout():
    x = np.random.default_rng(0).random((16, 1, 28, 28)).astype(np.float32)
    img = dv.samples_grid(x, "en", captions=[f"c{i}" for i in range(16)], oks=[True, False] * 8, cols=8)
    assert img.width == 8 * (56 + 6) + 6 and img.height > 2 * 56


def _frame(eps=True):
    from explorer.diffusion.denoiser import Frame

    x = np.zeros((4, 28, 28), np.uint8)
    x[:, 10:18, 10:18] = 255
    return Frame(index=3, t=700, t_prev=680, x_t=x, eps=x.copy() if eps else None, x0=x, x_t_std=1.0)


def test_step_panel_shows_x_t_eps_and_x0_then_the_verdict():
    mid = dv.step_panel(_frame(), 2, "es", ["a"] * 10, requested=8)
    end = dv.step_panel(_frame(eps=False), 2, "en", ["Bag"] * 10, requested=8, recognised=(8, 0.97))
    assert mid.width > 3 * 168 > end.width  # three tiles while denoising, one at the end
    # the tile is the frame's picture: 255 (bright) is drawn dark on white
    tile = np.asarray(mid.convert("L"))
    assert tile.min() == 0 and tile.max() == 255


def test_forward_panel_has_five_tiles_with_a_prediction_and_three_without():
    from explorer.diffusion import denoiser

    x0 = np.zeros((1, 28, 28), np.float32)
    x0[0, 6:22, 8:20] = 1.0
    fw = denoiser.Forward(t=300, x0=x0, noise=np.zeros_like(x0), x_t=x0 * 2 - 1, eps_hat=np.zeros_like(x0),
                          x0_hat=x0 * 2 - 1, level=dif.noise_level(300, dif.cosine_schedule()), noise_error=0.2)
    with_pred = dv.forward_panel(fw, "en")
    fw.eps_hat = fw.x0_hat = fw.noise_error = None
    without = dv.forward_panel(fw, "es")
    assert with_pred.width > without.width and with_pred.height == without.height
    assert round((with_pred.width - 14) / (without.width - 14) * 3) == 5
