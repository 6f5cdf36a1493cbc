"""The Saliency tab driven as a script would: gradio_client against the launched app."""
import pytest
from gradio_client.exceptions import AppError

from tests.conftest import api_client as client

pytestmark = pytest.mark.slow

ALL = ["saliency", "smoothgrad", "integrated_gradients", "gradcam", "guided_backprop", "guided_gradcam",
       "occlusion"]


def explain(c, source="dataset", sample="cat", index=0, net="fashion", target=-1, methods=ALL, baseline="black",
            steps=32, layer=None, window=4, stride=2, lang="en"):
    return c.predict(source, sample, index, None, None, net, target, methods, 16, 0.15, baseline, steps, layer,
                     window, stride, lang, api_name="/saliency")


def test_endpoints_are_named(app_url):
    names = set(client(app_url).view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/saliency", "/sanity_check", "/stop_saliency", "/saliency_options"} <= names


def test_every_method_on_the_fashion_cnn_with_completeness(app_url, fashion):
    c = client(app_url)
    _status, grid, completeness, s = explain(c, index=0, baseline="blur")
    assert set(s["methods"]) == set(ALL)
    assert s["target"]["index"] == int(fashion.test.labels[0]) == s["prediction"][0]["index"]
    ig = s["methods"]["integrated_gradients"]["completeness"]
    assert ig["relative_delta"] < 0.05 and abs(ig["sum"] - ig["difference"]) <= 0.05 * abs(ig["difference"])
    assert all(m["map_shape"] == [28, 28] for m in s["methods"].values())
    assert "Completeness" in completeness and grid.endswith(".png")
    # another target class than the prediction: allowed, and said
    s2 = explain(c, index=0, target=3, methods=["saliency"], lang="es")
    assert s2[3]["target"]["index"] == 3 and "Vestido" in s2[0]


def test_imagenet_gradcam_layer_and_occlusion(app_url):
    c = client(app_url)
    s = explain(c, source="sample", net="imagenet", methods=["gradcam", "occlusion"], layer="_blocks.10",
                window=32, stride=16)[3]
    assert s["target"]["label"] == "Egyptian cat"
    assert s["methods"]["gradcam"]["params"]["layer"] == "_blocks.10"
    assert s["methods"]["occlusion"]["map_shape"] == [224, 224]


def test_sanity_check_streams_and_randomisation_changes_gradients(app_url):
    c = client(app_url)
    outs = list(c.submit("dataset", "cat", 7, None, None, "fashion", -1, ["saliency", "gradcam"], "en",
                         api_name="/sanity_check"))
    steps = [o[3] for o in outs if isinstance(o[3], dict) and "steps" in o[3]][-1]["steps"]
    assert steps[0]["layer"] == "original" and len(steps) >= 4
    assert steps[-1]["correlation"]["saliency"] < 0.5
    assert "Done" in outs[-1][0]


def test_bad_values_get_clear_messages(app_url):
    c = client(app_url)
    with pytest.raises(AppError, match="at least one method"):
        explain(c, methods=[])
    with pytest.raises(AppError, match="Class explained"):
        explain(c, target=10)
    with pytest.raises(AppError, match="Unknown layer"):
        explain(c, methods=["gradcam"], layer="features.nope")
    with pytest.raises(AppError, match="Train tab"):
        explain(c, net="session")
    with pytest.raises(AppError, match="112"):  # an occlusion window beyond the slider
        explain(c, methods=["occlusion"], window=500)
    with pytest.raises(AppError, match="128"):
        explain(c, methods=["integrated_gradients"], steps=10**5)
    assert explain(c, methods=["saliency"])[3]["methods"]["saliency"]["map_shape"] == [28, 28]
