"""Image loaders and validation: exact scaling, IDX checks, folders, npz, clear errors."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthgan.cli import main
from synthgan.errors import DataValidationError
from synthgan.images.data import load_digits, load_images, read_idx, to_uint8, to_unit


def _idx(path, arr: np.ndarray, gz: bool = False, magic: bytes | None = None):
    head = (magic or bytes([0, 0, 8, arr.ndim])) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    data = head + arr.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def test_scaling_roundtrip_is_exact():
    x = np.arange(256, dtype=np.uint8).reshape(1, 1, 16, 16)
    assert np.array_equal(to_uint8(to_unit(x)), x)
    assert to_unit(x).min() == -1 and to_unit(x).max() == 1


def test_digits_are_upscaled_with_labels():
    d = load_digits(32)
    assert d.images.shape == (1797, 1, 32, 32) and d.images.dtype == np.uint8
    assert d.n_classes == 10 and d.images.max() > 200


def test_idx_folder_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (40, 28, 28))
    _idx(tmp_path / "train-images-idx3-ubyte.gz", imgs, gz=True)
    _idx(tmp_path / "train-labels-idx1-ubyte", rng.integers(0, 10, 40))
    d = load_images(str(tmp_path))
    assert d.images.shape == (40, 1, 28, 28) and np.array_equal(d.images[:, 0], imgs)


@pytest.mark.parametrize(
    ("case", "needle"),
    [("magic", "magic number"), ("truncated", "truncated or padded IDX"), ("labels", "labels for")],
)
def test_bad_idx_files(tmp_path, case, needle):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (40, 28, 28))
    path = tmp_path / "train-images-idx3-ubyte"
    if case == "magic":
        _idx(path, imgs, magic=b"\x00\x00\x09\x03")
    elif case == "truncated":
        _idx(path, imgs)
        path.write_bytes(path.read_bytes()[:-100])
    else:
        _idx(path, imgs)
        _idx(tmp_path / "train-labels-idx1-ubyte", rng.integers(0, 10, 39))
    with pytest.raises(DataValidationError, match=needle):
        load_images(str(tmp_path))
    if case != "labels":
        with pytest.raises(DataValidationError):
            read_idx(path)


def test_image_folder_with_classes_and_every_problem_named(tmp_path):
    rng = np.random.default_rng(0)
    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
        for i in range(10):
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(
                tmp_path / cls / f"{i}.png"
            )
    d = load_images(str(tmp_path))
    assert d.images.shape == (20, 3, 32, 32) and d.classes == ("cats", "dogs")
    assert sorted(np.bincount(d.labels)) == [10, 10]
    # Break it: a truncated file and an image of another size.
    (tmp_path / "dogs" / "bad.png").write_bytes((tmp_path / "dogs" / "0.png").read_bytes()[:50])
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(
        tmp_path / "cats" / "small.png"
    )
    with pytest.raises(DataValidationError) as info:
        load_images(str(tmp_path))
    msg = str(info.value)
    assert "dogs/bad.png: unreadable or truncated" in msg and "cats/small.png" in msg


def test_npz_and_bad_inputs_cli_exit_2(tmp_path, capsys):
    good = tmp_path / "g.npz"
    np.savez(good, images=np.zeros((20, 28, 28), np.uint8), labels=np.arange(20) % 4)
    d = load_images(str(good))
    assert d.images.shape == (20, 1, 28, 28) and d.n_classes == 4
    bad = tmp_path / "b.npz"
    np.savez(bad, images=np.zeros((5, 28, 28), np.float32), labels=np.arange(4))
    out = tmp_path / "run"
    assert main(["images", "fit", "--data", str(bad), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "uint8" in err and "labels must be (N,)" in err and "Traceback" not in err
    assert not out.exists()
    (tmp_path / "empty").mkdir()
    assert (
        main(["images", "fit", "--data", str(tmp_path / "empty"), "--out", str(out), "--quiet"])
        == 2
    )
    assert "no images" in capsys.readouterr().err
    few = tmp_path / "few.npz"
    np.savez(few, images=np.zeros((3, 28, 28), np.uint8))
    assert main(["images", "fit", "--data", str(few), "--out", str(out), "--quiet"]) == 2
    assert "only 3 images" in capsys.readouterr().err
    assert not out.exists()


FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not FASHION.exists(), reason="needs Debian's dataset-fashion-mnist")
def test_fetch_checks_sha256_and_keeps_nothing_bad(tmp_path, capsys):
    import shutil

    from synthgan.images.data import fetch_fashion_mnist

    # A local mirror (file:// URL): the real download path without the internet.
    dest = fetch_fashion_mnist(tmp_path / "fm", FASHION.as_uri())
    assert sorted(p.name for p in dest.iterdir()) == sorted(p.name for p in FASHION.iterdir())
    assert load_images(str(dest), split="test").images.shape == (10000, 1, 28, 28)
    stamp = (dest / "train-images-idx3-ubyte.gz").stat().st_mtime_ns
    fetch_fashion_mnist(dest, FASHION.as_uri())  # already there and correct: not fetched again
    assert (dest / "train-images-idx3-ubyte.gz").stat().st_mtime_ns == stamp

    bad = tmp_path / "bad-mirror"
    shutil.copytree(FASHION, bad)
    labels = gzip.decompress((bad / "t10k-labels-idx1-ubyte.gz").read_bytes())
    (bad / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels[:-1] + b"\x00"))
    (bad / "train-labels-idx1-ubyte.gz").unlink()
    out = tmp_path / "out"
    assert (
        main(["data", "fetch", "fashion-mnist", "--dest", str(out), "--mirror", bad.as_uri()]) == 2
    )
    err = capsys.readouterr().err
    assert "t10k-labels-idx1-ubyte.gz: checksum mismatch" in err
    assert "train-labels-idx1-ubyte.gz: download from" in err
    assert sorted(p.name for p in out.iterdir()) == [
        "t10k-images-idx3-ubyte.gz",
        "train-images-idx3-ubyte.gz",
    ]
