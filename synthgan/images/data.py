"""Load image data sets and validate them, reporting every problem at once.

Sources: ``digits`` (scikit-learn's embedded 8x8 digits, upscaled), ``fashion-mnist`` (IDX files
from Debian's ``dataset-fashion-mnist`` or a folder the user gives), an IDX folder, a folder of
PNG/JPEG images (class subfolders give labels) or an ``.npz`` file with ``images`` (N, H, W[, C])
and optional ``labels``. Every loader returns uint8 images (N, C, H, W) and labels (N,) or None.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthgan.errors import DataValidationError

FASHION_DIRS = ("/usr/share/datasets/fashion-mnist",)
FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
# SHA-256 of each file's decompressed IDX bytes (re-compressed mirrors, e.g. Debian's, still match).
FASHION_SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
IMAGE_EXT = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
MIN_IMAGES = 16


@dataclass
class ImageData:
    """uint8 images (N, C, H, W), integer labels (N,) or None, and class names."""

    images: np.ndarray
    labels: np.ndarray | None
    classes: tuple[str, ...] = ()
    source: str = ""

    @property
    def n_classes(self) -> int:
        """Number of classes (0 when unlabelled)."""
        return 0 if self.labels is None else int(max(len(self.classes), self.labels.max() + 1))


def to_unit(images: np.ndarray) -> np.ndarray:
    """uint8 [0, 255] -> float32 [-1, 1]."""
    return images.astype(np.float32) / 127.5 - 1.0


def to_uint8(x: np.ndarray) -> np.ndarray:
    """float [-1, 1] -> uint8 [0, 255]; the exact inverse of :func:`to_unit` on its image."""
    return np.clip(np.rint((np.asarray(x, dtype=np.float64) + 1.0) * 127.5), 0, 255).astype(
        np.uint8
    )


def resize(images: np.ndarray, size: int) -> np.ndarray:
    """Resize uint8 (N, C, H, W) images to size x size with Pillow (bilinear)."""
    from PIL import Image

    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    out = np.empty((len(images), images.shape[1], size, size), np.uint8)
    for i, img in enumerate(images):
        for c in range(img.shape[0]):
            out[i, c] = np.asarray(Image.fromarray(img[c]).resize((size, size), Image.BILINEAR))
    return out


def load_digits(size: int = 32) -> ImageData:
    """scikit-learn's embedded 8x8 digits (1,797 images, 10 classes), upscaled to ``size``."""
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    imgs = np.rint(d.images * (255.0 / 16.0)).astype(np.uint8)[:, None]
    return ImageData(
        resize(imgs, size), d.target.astype(np.int64), tuple(str(i) for i in range(10)), "digits"
    )


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (MNIST format, optionally gzipped); validates magic number and size."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataValidationError(f"cannot read IDX file ({exc})", str(path)) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataValidationError(
            f"not an IDX file of unsigned bytes: magic number {raw[:4].hex() or 'missing'} (expected 0000080N)",
            str(path),
        )
    ndim = raw[3]
    if ndim not in (1, 3) or len(raw) < 4 + 4 * ndim:
        raise DataValidationError(
            f"IDX file with {ndim} dimensions; expected 1 (labels) or 3 (images)", str(path)
        )
    dims = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    expected = int(np.prod(dims))
    body = raw[4 + 4 * ndim :]
    if len(body) != expected:
        raise DataValidationError(
            f"truncated or padded IDX file: header says {'x'.join(map(str, dims))} = {expected} bytes, found {len(body)}",
            str(path),
        )
    return np.frombuffer(body, dtype=np.uint8).reshape(dims)


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).exists():
            return folder / name
    return None


def load_idx_folder(folder: str | Path, split: str = "train") -> ImageData:
    """Images and labels of an MNIST-style folder (``train-images-idx3-ubyte[.gz]`` ...)."""
    folder = Path(folder)
    prefix = "train" if split == "train" else "t10k"
    img_path = _find(folder, f"{prefix}-images-idx3-ubyte")
    lab_path = _find(folder, f"{prefix}-labels-idx1-ubyte")
    if img_path is None:
        raise DataValidationError(f"no {prefix}-images-idx3-ubyte[.gz] file", str(folder))
    images = read_idx(img_path)
    labels = read_idx(lab_path).astype(np.int64) if lab_path is not None else None
    problems = []
    if images.ndim != 3:
        problems.append(f"{img_path.name}: expected images (N, H, W), got shape {images.shape}")
    if labels is not None and len(labels) != len(images):
        problems.append(f"{lab_path.name}: {len(labels)} labels for {len(images)} images")
    if problems:
        raise DataValidationError(problems, str(folder))
    classes = (
        FASHION_CLASSES if "fashion" in str(folder).lower() else tuple(str(i) for i in range(10))
    )
    return ImageData(images[:, None], labels, classes, str(folder))


def fashion_cache() -> Path:
    """Where ``synthgan data fetch fashion-mnist`` puts the files by default."""
    from synthgan.images.metrics import cache_dir

    return cache_dir() / "datasets" / "fashion-mnist"


def _sha256_of_content(raw: bytes) -> str:
    """SHA-256 of a gzip file's decompressed bytes ("" when it is not a valid gzip file)."""
    import hashlib

    try:
        return hashlib.sha256(gzip.decompress(raw)).hexdigest()
    except (OSError, EOFError):
        return ""


def fetch_fashion_mnist(dest: str | Path | None = None, base_url: str = FASHION_URL) -> Path:
    """Download the four Fashion-MNIST files into ``dest``, checking each one's SHA-256.

    A file whose content does not match is not kept; files already present and correct are not
    downloaded again. Raises DataValidationError naming every file that failed.
    """
    import urllib.request

    from synthgan.checkpoint import atomic_write_bytes

    dest = Path(dest) if dest else fashion_cache()
    dest.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, expected in FASHION_SHA256.items():
        target = dest / name
        if target.exists() and _sha256_of_content(target.read_bytes()) == expected:
            continue
        url = base_url.rstrip("/") + "/" + name
        try:
            with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - fixed https/http/file URL
                raw = resp.read()
            got = _sha256_of_content(raw)
        except OSError as exc:
            problems.append(f"{name}: download from {url} failed ({exc})")
            continue
        if got != expected:
            problems.append(
                f"{name}: checksum mismatch (SHA-256 {got[:16]}..., expected {expected[:16]}...)"
            )
            continue
        atomic_write_bytes(target, raw)
    if problems:
        raise DataValidationError(problems, str(dest))
    return dest


def load_fashion_mnist(folder: str | Path | None = None, split: str = "train") -> ImageData:
    """Fashion-MNIST from ``folder``, Debian's ``dataset-fashion-mnist`` or the fetch cache."""
    candidates = [Path(folder)] if folder else [*map(Path, FASHION_DIRS), fashion_cache()]
    for c in candidates:
        if _find(c, "train-images-idx3-ubyte") is not None:
            data = load_idx_folder(c, split)
            data.classes, data.source = FASHION_CLASSES, "fashion-mnist"
            return data
    raise DataValidationError(
        "Fashion-MNIST not found in " + ", ".join(map(str, candidates)) + "; install Debian's "
        "dataset-fashion-mnist (apt-get install dataset-fashion-mnist), give its folder, or run "
        "`synthgan data fetch fashion-mnist` when online"
    )


def load_image_folder(folder: str | Path) -> ImageData:
    """PNG/JPEG images of one size and mode; subfolders are classes (labels), else unlabelled."""
    from PIL import Image, UnidentifiedImageError

    folder = Path(folder)
    subdirs = sorted(p for p in folder.iterdir() if p.is_dir())
    groups = [
        (d.name, sorted(f for f in d.iterdir() if f.suffix.lower() in IMAGE_EXT)) for d in subdirs
    ]
    loose = sorted(f for f in folder.iterdir() if f.suffix.lower() in IMAGE_EXT)
    if not groups or loose:
        groups = [("", loose)] + ([] if not subdirs else groups)
    files = [(i, f) for i, (_, fs) in enumerate(groups) for f in fs]
    if not files:
        raise DataValidationError(f"no images ({', '.join(IMAGE_EXT)}) found", str(folder))
    problems, arrays, labels, shapes = [], [], [], {}
    for label, f in files:
        try:
            with Image.open(f) as im:
                im.load()
                arr = np.asarray(im.convert("L" if im.mode in ("L", "1", "LA", "I;16") else "RGB"))
        except (UnidentifiedImageError, OSError) as exc:
            problems.append(f"{f.relative_to(folder)}: unreadable or truncated image ({exc})")
            continue
        shapes.setdefault(arr.shape, []).append(f.relative_to(folder))
        arrays.append(arr)
        labels.append(label)
    if len(shapes) > 1:
        common = max(shapes, key=lambda s: len(shapes[s]))
        for shape, names in shapes.items():
            if shape != common:
                problems.append(
                    f"{len(names)} image(s) of size/mode {shape} differ from the others' {common}: "
                    + ", ".join(map(str, names[:5]))
                )
    if problems:
        raise DataValidationError(problems, str(folder))
    imgs = np.stack(arrays)
    imgs = imgs[:, None] if imgs.ndim == 3 else imgs.transpose(0, 3, 1, 2)
    labelled = len(groups) > 1 or (groups and groups[0][0] != "")
    classes = tuple(name for name, _ in groups) if labelled else ()
    return ImageData(imgs, np.asarray(labels, np.int64) if labelled else None, classes, str(folder))


def load_npz(path: str | Path) -> ImageData:
    """``images`` (N, H, W) or (N, H, W, C) uint8 and optional ``labels`` (N,)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            if "images" not in z:
                raise DataValidationError(
                    f"no 'images' array (found: {', '.join(z.files)})", str(path)
                )
            images = z["images"]
            labels = z["labels"] if "labels" in z else None
    except (OSError, ValueError) as exc:
        raise DataValidationError(f"not a readable .npz file ({exc})", str(path)) from None
    problems = []
    if images.ndim not in (3, 4):
        problems.append(f"images must be (N, H, W) or (N, H, W, C), got shape {images.shape}")
    if images.dtype != np.uint8:
        problems.append(f"images must be uint8 0..255, got {images.dtype}")
    if labels is not None and labels.shape != (len(images),):
        problems.append(f"labels must be (N,) = ({len(images)},), got {labels.shape}")
    if problems:
        raise DataValidationError(problems, str(path))
    images = images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)
    return ImageData(images, None if labels is None else labels.astype(np.int64), (), str(path))


def _load_source(spec: str, split: str, size: int | None) -> tuple[ImageData, bool]:
    """(data, has_official_split): IDX sources keep their own train/t10k files."""
    if spec == "digits":
        return load_digits(size or 32), False
    if spec == "fashion-mnist":
        return load_fashion_mnist(split=split), True
    p = Path(spec)
    if not p.exists():
        raise DataValidationError(
            f"unknown data {spec!r}: give digits, fashion-mnist, a folder or an .npz file"
        )
    if p.is_file() and p.suffix != ".npz":
        raise DataValidationError(f"unsupported file {p.name}; give an .npz file or a folder")
    if p.is_file():
        return load_npz(p), False
    if _find(p, "train-images-idx3-ubyte") is not None:
        official = _find(p, "t10k-images-idx3-ubyte") is not None
        return load_idx_folder(p, split if official else "train"), official
    return load_image_folder(p), False


def split_holdout(data: ImageData, fraction: float, seed: int = 0) -> tuple[ImageData, ImageData]:
    """(train, test): a seeded random ``fraction`` of the images held out as the test split."""
    n = len(data.images)
    perm = np.random.default_rng(seed).permutation(n)
    test_idx, train_idx = np.sort(perm[: round(n * fraction)]), np.sort(perm[round(n * fraction) :])

    def part(idx: np.ndarray) -> ImageData:
        labels = None if data.labels is None else data.labels[idx]
        return ImageData(data.images[idx], labels, data.classes, data.source)

    return part(train_idx), part(test_idx)


def load_images(
    spec: str, size: int | None = None, split: str = "train", holdout: float = 0.0
) -> ImageData:
    """Load ``digits``, ``fashion-mnist``, an IDX folder, an image folder or an ``.npz`` file.

    ``split``: ``train`` or ``test``. Sources with an official test split (IDX ``t10k`` files)
    use it; for the others a seeded ``holdout`` fraction is the test split (0: train on all).
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be train or test, got {split!r}")
    data, official = _load_source(spec, split, size)
    data.source = spec if spec in ("digits", "fashion-mnist") else str(Path(spec).resolve())
    data = validate(data, size or (32 if spec == "digits" else None))
    if not official and holdout > 0:
        train, test = split_holdout(data, holdout)
        return train if split == "train" else test
    if split == "test" and not official:
        raise DataValidationError(
            f"{spec} has no test split: fit with a holdout (--holdout 0.2) to evaluate on it"
        )
    return data


def validate(data: ImageData, size: int | None = None) -> ImageData:
    """Check counts, sizes and labels; resize to ``size`` (28, 32 or 64) when asked."""
    problems = []
    n, c, h, w = data.images.shape
    if n < MIN_IMAGES:
        problems.append(f"only {n} images; at least {MIN_IMAGES} are needed")
    if c not in (1, 3):
        problems.append(f"images must have 1 or 3 channels, got {c}")
    if h != w and size is None:
        problems.append(f"images must be square (or give --size), got {h}x{w}")
    if data.labels is not None:
        if len(data.labels) != n:
            problems.append(f"{len(data.labels)} labels for {n} images")
        elif (data.labels < 0).any():
            problems.append("labels must be non-negative integers")
    if problems:
        raise DataValidationError(problems, data.source)
    target = size or h
    if target not in (28, 32, 64):
        raise DataValidationError(
            f"image size {target} is not supported; use --size 28, 32 or 64", data.source
        )
    data.images = resize(data.images, target)
    return data
