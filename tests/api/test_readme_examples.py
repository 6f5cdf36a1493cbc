"""The README's Python examples run as written against the launched app (only the address changes):
every ```python block that uses gradio_client, in order, as one notebook would (they share
``client``). Run in a folder that holds the ``photos.zip`` the archive example names."""
from __future__ import annotations

import os
import re
import zipfile

import pytest
from PIL import Image

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def readme_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "client" in b]


def test_the_readme_has_its_examples():
    blocks = readme_examples()
    assert len(blocks) >= 6 and "from gradio_client import" in blocks[0]


def test_readme_examples_run_as_written(app_url, tmp_path, server_log, capsys):
    with zipfile.ZipFile(tmp_path / "photos.zip", "w") as z:
        for i, colour in enumerate([(200, 40, 40), (40, 200, 40), (200, 40, 40)]):
            img = tmp_path / f"photo{i}.png"
            Image.new("RGB", (64, 64), colour).save(img)
            z.write(img, img.name)
    script = "\n".join(readme_examples()).replace("http://localhost:7860", app_url)
    mark = server_log.mark()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(script, "README.md", "exec"), {"__name__": "readme"})
    finally:
        os.chdir(cwd)
    printed = capsys.readouterr().out
    assert "test accuracy:" in printed and "espresso" in printed and "animal" in printed
    assert not server_log.errors(mark), server_log.report(server_log.errors(mark))
