"""explorer/files.py: a file handed out for download is written whole before it appears, and an
identical one is reused (issue 15: identical calls at the same moment emptied a file being sent)."""
import threading
from pathlib import Path

import numpy as np
import PIL.Image
from gradio import processing_utils

from explorer.files import write_by_content
from explorer.ui.components import OutputImage


def test_identical_data_one_file_written_once_and_whole(tmp_path):
    data = bytes(range(256)) * 400
    p = write_by_content(data, tmp_path, "image.webp")
    assert p.read_bytes() == data and p.name == "image.webp" and p.parent.parent == tmp_path
    with open(p, "rb") as reader:  # a response sending it meanwhile
        inode = p.stat().st_ino
        assert write_by_content(data, tmp_path, "image.webp") == p
        assert p.stat().st_ino == inode  # reused, not written again
        assert reader.read() == data
    other = write_by_content(data[:-1], tmp_path, "image.webp")
    assert other != p and other.read_bytes() == data[:-1]


def test_many_writers_at_once_leave_one_whole_file_and_no_temporary_ones(tmp_path):
    data = b"x" * 2_000_000
    start = threading.Barrier(16)
    seen = []

    def writer():
        start.wait()
        seen.append(write_by_content(data, tmp_path, "a.png").read_bytes() == data)

    threads = [threading.Thread(target=writer) for _ in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert seen == [True] * 16
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["a.png"]


def test_output_image_hands_gradio_the_bytes_gradio_would_have_written(tmp_path):
    img = PIL.Image.fromarray((np.arange(48 * 64 * 3) % 251).astype(np.uint8).reshape(48, 64, 3))
    comp = OutputImage(render=False)
    comp.GRADIO_CACHE = str(tmp_path)
    assert comp.get_block_name() == "image"
    for value in (img, np.asarray(img), np.asarray(img) / 255.0):
        out = comp.postprocess(value)
        assert Path(out.path).parent.parent == tmp_path
        assert Path(out.path).read_bytes() == processing_utils.encode_pil_to_bytes(img, "webp")
    jpeg = OutputImage(format="jpeg", render=False)
    jpeg.GRADIO_CACHE = str(tmp_path)
    assert jpeg.postprocess(img).path.endswith("image.jpeg")
    assert comp.postprocess(None) is None
    assert comp.postprocess(str(tmp_path / "x.png")).path == str(tmp_path / "x.png")  # a path: as it is
