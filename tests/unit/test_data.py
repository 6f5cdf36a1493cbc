import gzip
import struct

import numpy as np
import pytest

from explorer import data


def write_idx(path, arr: np.ndarray, gz: bool = False):
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = header + arr.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(payload)


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_roundtrip(tmp_path, gz):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    p = tmp_path / ("x.idx.gz" if gz else "x.idx")
    write_idx(p, arr, gz)
    np.testing.assert_array_equal(data.read_idx(p), arr)


def test_read_idx_rejects_bad_magic_and_truncation(tmp_path):
    p = tmp_path / "bad"
    p.write_bytes(b"\x01\x02\x08\x01" + struct.pack(">I", 3) + b"abc")
    with pytest.raises(ValueError, match="magic"):
        data.read_idx(p)
    arr = np.zeros((4, 2), dtype=np.uint8)
    write_idx(p, arr)
    p.write_bytes(p.read_bytes()[:-3])
    with pytest.raises(ValueError, match="bytes"):
        data.read_idx(p)


def _fake_dataset(directory, n_train=60000, n_test=10000, label_max=9):
    rng = np.random.default_rng(0)
    for stem, n in (("train", n_train), ("t10k", n_test)):
        write_idx(directory / f"{stem}-images-idx3-ubyte.gz", rng.integers(0, 255, (n, 28, 28)), gz=True)
        write_idx(directory / f"{stem}-labels-idx1-ubyte.gz", rng.integers(0, label_max + 1, n), gz=True)


def test_load_from_env_directory_with_checks(tmp_path, monkeypatch):
    _fake_dataset(tmp_path)
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    monkeypatch.setattr(data, "_cache", {})
    ds = data.load("mnist")
    assert ds.train.images.shape == (60000, 1, 28, 28) and ds.train.images.dtype.is_floating_point is False
    assert ds.test.labels.shape == (10000,)
    assert ds.class_names("es")[3] == "3"
    x = ds.test.floats(slice(0, 5))
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0


def test_load_rejects_wrong_counts(tmp_path, monkeypatch):
    _fake_dataset(tmp_path, n_train=100)
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    monkeypatch.setattr(data, "_cache", {})
    with pytest.raises(ValueError, match="expected 60000"):
        data.load("mnist")


def test_missing_dataset_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setattr(data, "FASHION_DIRS", ())
    monkeypatch.setattr(data, "_cache", {})
    with pytest.raises(data.DatasetMissing) as err:
        data.load("fashion")
    msg = str(err.value)
    assert "apt-get install dataset-fashion-mnist" in msg and "FASHION_MNIST_DIR" in msg
    assert str(tmp_path / "nowhere") in msg
    assert not data.available("fashion")


def test_command_line_check_reports_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    monkeypatch.setattr(data, "MNIST_DIRS", ())
    monkeypatch.setattr(data, "_cache", {})
    data.main()
    out = capsys.readouterr().out
    assert "mnist: MISSING" in out and "MNIST_DIR" in out


def test_real_fashion_mnist(fashion):
    assert len(fashion.train) == 60000 and len(fashion.test) == 10000
    assert fashion.train.images.shape[1:] == (1, 28, 28)
    counts = np.bincount(fashion.test.labels.numpy(), minlength=10)
    assert (counts == 1000).all()  # Fashion-MNIST's test set is balanced
    assert fashion.class_names("es")[1] == "Pantalón" and fashion.class_names("en")[9] == "Ankle boot"
