from typing import ClassVar

import gradio as gr
import pytest

from explorer import data
from explorer.train import compute as training
from explorer.ui.common import detect_lang, friendly


@friendly
def handler(x, lang):
    raise x


@friendly
def gen_handler(x, lang):
    yield 1
    raise x


@pytest.mark.parametrize("fn", [handler, lambda x, lang: list(gen_handler(x, lang))])
def test_errors_reach_the_user_translated(fn):
    with pytest.raises(gr.Error) as err:
        fn(data.DatasetMissing("Fashion-MNIST", ["/x"], "Instálalo con apt-get."), "es")
    assert "No se encuentra el conjunto de datos Fashion-MNIST" in err.value.message
    with pytest.raises(gr.Error) as err:
        fn(training.ConfigError("lr", "nan", value="NaN"), "en")
    assert err.value.message == "“learning rate” cannot be NaN."
    with pytest.raises(gr.Error) as err:
        fn(RuntimeError("secret internals"), "es")
    assert "secret" not in err.value.message and "Algo salió mal" in err.value.message


def test_language_detection():
    assert detect_lang("es-ES") == "es" and detect_lang("de") == "en"

    class Req:
        headers: ClassVar[dict] = {"accept-language": "es-MX,es;q=0.9"}

    assert detect_lang(None, Req()) == "es"
