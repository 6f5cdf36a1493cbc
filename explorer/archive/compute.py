"""'Mi archivo': the user's own collection — photos from a zip or loose files, or a list of
sentences — embedded, mapped, tagged, de-duplicated and searched. Pure logic (numpy, Pillow, ONNX
Runtime; the text model imported inside the functions that need it; UMAP in a worker process), no UI.

Pipeline for images::

    items = extract(paths, workdir)            # safe intake → list of Item (an Extraction)
    F, tags = embed_images(items)              # (N, 1280) unit vectors, top-3 ImageNet tags each
    xy = layout(F)                             # (N, 2) map (UMAP, PCA for tiny collections)
    groups = duplicate_groups(F, 0.95)         # near-duplicates
    idx, sims = neighbors(F, i, k)             # "find similar"
    text = to_csv(items, tags, xy, all_neighbors(F, 5)[0])

The embedding of an image is EfficientNet-Lite0's globally pooled 1280-d head (Tan & Le 2019,
arXiv:1905.11946), the vector its ImageNet classifier reads, served by the second output
(``features``) of ``assets/efficientnet_lite0.onnx``; similar images are near in cosine similarity
cos θ = a·b / (‖a‖ ‖b‖) (the vectors are L2-normalised, so it is a dot product). The map is UMAP
(McInnes, Healy & Melville 2018, arXiv:1802.03426) with the cosine metric. Sentences are embedded
with multilingual-e5-small (Wang et al. 2024; ``explorer.text.embed``, mean pooling), which reads
~100 languages into one space, so a Spanish catalogue is searched in Spanish or in English: the
catalogue with E5's prefix ``"passage: "`` (what is searched in), the query with ``"query: "``.

Hostile input. An upload is untrusted: zip member names are never used as paths. Every kept image
is written as ``NNNN_<sanitised stem>.<ext>`` directly inside ``workdir`` (opened with O_EXCL, so
nothing existing is overwritten or followed), and ``Item.name`` keeps the original relative path
for display. ``extractall`` is never called. Archives whose names try to leave the folder (``..``,
absolute paths, drive letters) or that contain symbolic links are refused as a whole — such an
archive is malformed or hostile. Zip bombs are stopped three ways: the number of entries is read
from the end-of-central-directory record before the directory is parsed; declared sizes and
compression ratios are checked before anything is decompressed; actual bytes are counted while
streaming and the copy stops at the limit. Images are then decoded by explorer.images (its format
whitelist, pixel limits and truncation checks); JPEGs are decoded at 1/2–1/8 scale from the DCT
coefficients (``Image.draft``), which is what makes 200 camera photos fit in a few seconds.

Errors: :class:`ArchiveError` with a short English ``kind`` the UI translates and ``details``:

- ``no_files``: nothing was uploaded; no details.
- ``missing``: an uploaded file is gone or unreadable; ``file``.
- ``bad_zip``: a .zip (or a file starting like one) that cannot be read; ``file``, ``reason``
  (technical, English).
- ``unsafe_path``: a member name that leaves the folder; ``file``, ``member``, ``reason``
  ("parent" for ``..``, "absolute", "drive", "nul").
- ``symlink``: a member that is a symbolic link; ``file``, ``member``.
- ``too_many_members``: more entries than ``Limits.max_members``; ``file``, ``count``, ``limit``.
- ``too_many_images``: more image files than ``Limits.max_images``; ``count``, ``limit``.
- ``too_large``: the images add up to more than ``Limits.max_total_bytes``; ``megabytes``,
  ``limit`` (MB, 2**20 bytes).
- ``zip_bomb``: a member expands more than ``Limits.max_ratio`` times (declared) or produces more
  bytes than it declared; ``file``, ``member``, ``ratio`` (None when the declared size lied),
  ``limit``.
- ``no_images``: nothing usable; ``non_images`` (count of skipped non-image files), ``unreadable``
  (count), ``skipped`` (the :attr:`Extraction.skipped` records, at most 20).
- ``stopped``: the caller's stop event was set; ``done``, ``total``.
- ``too_many_lines``: more than :data:`MAX_LINES` sentences; ``count``, ``limit``.
- ``no_text``: no non-empty sentence; no details.
- ``empty_query``: a blank search query; no details.
- ``out_of_range``: a parameter outside its bounds (API callers bypass sliders); ``name``,
  ``value``, ``low``, ``high``.

Threading: nothing here keeps per-user state. The ONNX Runtime session and the text model are
loaded once per process and shared (both are safe to call from several threads); everything a user
makes (items, vectors, the files in ``workdir``) belongs to the caller's session.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import stat
import struct
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from PIL import Image

from explorer import images, runtime

ONNX = runtime.ASSETS / "efficientnet_lite0.onnx"
FEATURE_DIM = 1280
TOP_TAGS = 3
THUMB_SIDE = 128  # stored thumbnail (longest side); thumbnails(size ≤ 128) shrink it further
DRAFT_SIDE = 224  # JPEGs are decoded at the largest 1/2^k scale keeping both sides ≥ this
BATCH = (1, 64)  # embed_images batch bounds
K_RANGE = (1, 50)
THRESHOLD_RANGE = (0.5, 1.0)
MAX_LINES = 500
MAX_LINE_CHARS = 1000  # a sentence longer than this is cut (E5 reads 512 pieces per window; longer
# texts are windowed by models.e5_small)
UMAP_NEIGHBORS = 15
MIN_UMAP_POINTS = 5  # fewer points: PCA
RATIO_MIN_BYTES = 1 << 20  # the compression-ratio check applies to members expanding beyond 1 MiB
COPY_CHUNK = 1 << 20
MAX_FOLDER_CHARS = 1000  # Item.folder is cut to this (user text; explorer.archive.teach refuses
# labels longer than its own, much smaller, limit)

IMAGE_EXTENSIONS = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".webp", ".avif", ".tif", ".tiff", ".bmp",
    ".dib", ".jp2", ".j2k", ".jpf", ".jpx", ".ppm", ".pgm", ".pbm", ".pnm",
    ".heic", ".heif"})  # HEIC is listed so the user hears "unsupported", not "not an image"
SYSTEM_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})

ERROR_KINDS = ("no_files", "missing", "bad_zip", "unsafe_path", "symlink", "too_many_members",
               "too_many_images", "too_large", "zip_bomb", "no_images", "stopped",
               "too_many_lines", "no_text", "empty_query", "out_of_range")

Progress = Callable[[int, int], None]  # (done, total)


class ArchiveError(ValueError):
    """An upload, text or parameter the tab cannot use; ``kind`` (one of :data:`ERROR_KINDS`)
    keys the translated message, ``details`` carries its values (see the module docstring)."""

    def __init__(self, kind: str, **details: Any):
        if kind not in ERROR_KINDS:
            raise ValueError(f"unknown ArchiveError kind {kind!r}")
        super().__init__(f"{kind}: {details}")
        self.kind, self.details = kind, details


@dataclass(frozen=True)
class Limits:
    """What one upload may contain. ``max_total_bytes`` counts the uncompressed image files kept."""
    max_images: int = 500
    max_total_bytes: int = 200 * 2**20
    max_member_bytes: int = images.MAX_BYTES  # a bigger single file is skipped (reason "too_large")
    max_ratio: float = 200.0  # uncompressed / compressed size of one zip member
    max_members: int = 10_000  # zip entries of any kind (folders, non-images) read at all


@dataclass
class Item:
    """One image of the collection.

    ``name``: the original relative path ("viaje/IMG_0001.jpg"; prefixed with the zip's name when
    several files were uploaded) — for display and the CSV, never used as a path. ``path``: its
    copy inside ``workdir``. ``size``: (width, height) of the upright original. ``thumb``: RGB,
    longest side ≤ :data:`THUMB_SIDE`. ``pixels``: (224, 224, 3) uint8, what EfficientNet sees
    (needed only by :func:`embed_images`; 150 kB each, set it to None afterwards to free memory).
    ``folder``: the first folder of the image's path inside its zip ("iglesias" for
    "iglesias/foto.jpg"; "" at the top level and for loose files), the label that
    ``explorer.archive.teach`` reads. When every image of a zip sits inside one same folder and
    some go deeper ("fotos/iglesias/a.jpg", "fotos/puentes/b.jpg": a folder compressed whole),
    that common folder is the zip's root and the next one counts. User text, cut to
    :data:`MAX_FOLDER_CHARS` and otherwise as written (control characters included): never a path;
    ``teach.clean_label`` cleans it.
    """
    name: str
    path: Path
    size: tuple[int, int]
    nbytes: int
    thumb: Image.Image
    pixels: np.ndarray | None = field(default=None, repr=False)
    folder: str = ""


class Extraction(list):
    """What :func:`extract` returns: a ``list`` of :class:`Item` plus what was left out.

    ``skipped``: one record per file not used, ``{"file": name, "reason": r, "kind": k}`` with
    reason "not_image" (extension not an image's; kind ""), "unreadable" (kind: the
    ``images.ImageError`` kind — not_image, corrupt, unsupported, too_large, empty), "too_large"
    (bigger than ``Limits.max_member_bytes``; kind "") or "encrypted". ``ignored``: folders' system
    files (__MACOSX, .DS_Store, Thumbs.db) dropped silently."""

    def __init__(self, items: Iterable[Item] = (), skipped: list[dict] | None = None, ignored: int = 0):
        super().__init__(items)
        self.skipped: list[dict] = skipped or []
        self.ignored = ignored

    def counts(self) -> dict[str, int]:
        """``{"images": kept, "not_image": n, "unreadable": n, "too_large": n, "encrypted": n,
        "ignored": n}`` for the summary line."""
        out = {"images": len(self), "not_image": 0, "unreadable": 0, "too_large": 0, "encrypted": 0}
        for s in self.skipped:
            out[s["reason"]] += 1
        out["ignored"] = self.ignored
        return out


# ---------------------------------------------------------------------------------------------
# Safe intake


def fresh_workdir(parent: str | os.PathLike, prefix: str = "archive-") -> Path:
    """A new empty directory inside ``parent`` (e.g. ``SessionData.workdir()``) for one upload;
    earlier ``prefix*`` directories there (a previous upload of the same session) are removed."""
    parent = Path(parent)
    for old in parent.glob(prefix + "*"):
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


@dataclass
class _Candidate:
    name: str  # display name
    ext: str
    size: int  # declared uncompressed bytes
    source: str  # upload path
    member: zipfile.ZipInfo | None  # None: a loose file
    folder: str = ""  # see Item.folder


def extract(paths: str | os.PathLike | Sequence[str | os.PathLike] | None, workdir: str | os.PathLike,
            limits: Limits | None = None, progress: Progress | None = None,
            stop: threading.Event | None = None) -> Extraction:
    """Uploaded files (zips and/or images, as Gradio passes them: paths) → the collection's images.

    Everything is checked before anything is written (names, symlinks, counts, declared sizes and
    ratios); then the images are streamed into ``workdir`` with their bytes counted, and decoded
    (in ``runtime.available_cores()`` threads; ``progress(done, total)`` after each, ``stop``
    checked between them). Non-image members are skipped unread, unreadable images are skipped
    and reported; on any error the files written so far are removed.

    Args:
        paths: one path or several; ``.zip`` files (or files starting with a zip signature) are
            opened as archives (nested zips inside are not), anything else is taken as an image.
        workdir: an existing directory private to the session (see :func:`fresh_workdir`); only
            files directly inside it are created.
        limits: :class:`Limits` (defaults: 500 images, 200 MB).
    Returns:
        :class:`Extraction` (a list of :class:`Item`, in archive order, with ``skipped``).
    Raises:
        ArchiveError: no_files, missing, bad_zip, unsafe_path, symlink, too_many_members,
            too_many_images, too_large, zip_bomb, no_images, stopped.
    """
    limits = limits or Limits()
    if paths is None or isinstance(paths, (str, os.PathLike)):
        paths = [] if paths is None or os.fspath(paths) == "" else [paths]
    paths = [os.fspath(p) for p in paths if p is not None and os.fspath(p) != ""]
    if not paths:
        raise ArchiveError("no_files")
    workdir = Path(workdir)
    if not workdir.is_dir() or workdir.is_symlink():
        raise NotADirectoryError(f"workdir {workdir} must be an existing directory")
    workdir = workdir.resolve()

    candidates, skipped, ignored = _scan(paths, limits)
    written: list[Path] = []
    try:
        files = _copy_all(candidates, workdir, limits, written, stop)
        items = _decode_all(files, skipped, progress, stop)
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        raise
    if not items:
        for p in written:
            p.unlink(missing_ok=True)
        raise ArchiveError("no_images", non_images=sum(s["reason"] == "not_image" for s in skipped),
                           unreadable=sum(s["reason"] != "not_image" for s in skipped),
                           skipped=skipped[:20])
    return Extraction(items, skipped, ignored)


def _is_zip(path: str) -> bool:
    if path.lower().endswith(".zip"):
        return True
    try:
        with open(path, "rb") as f:
            return f.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
    except OSError:
        return False


def _scan(paths: list[str], limits: Limits) -> tuple[list[_Candidate], list[dict], int]:
    """Read-only pass: which files will be extracted, what is skipped, and every fatal check."""
    several = len(paths) > 1
    cands: list[_Candidate] = []
    skipped: list[dict] = []
    ignored = 0
    for path in paths:
        label = os.path.basename(path) or path
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            raise ArchiveError("missing", file=label)
        if not _is_zip(path):
            ext = _ext(label)
            size = os.path.getsize(path)
            if size > limits.max_member_bytes:
                skipped.append({"file": label, "reason": "too_large", "kind": ""})
            else:
                cands.append(_Candidate(label, ext or ".img", size, path, None))
            continue
        announced = _zip_entry_count(path)
        if announced is not None:
            entries, cd_size = announced
            if cd_size > limits.max_members * CD_BYTES_PER_MEMBER:  # more than its count says
                entries = max(entries, cd_size // 46)  # 46 bytes: the smallest directory entry
            if entries > limits.max_members:
                raise ArchiveError("too_many_members", file=label, count=entries, limit=limits.max_members)
        try:
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
                NotImplementedError, struct.error) as e:
            raise ArchiveError("bad_zip", file=label, reason=f"{type(e).__name__}: {e}"[:200]) from None
        if len(infos) > limits.max_members:
            raise ArchiveError("too_many_members", file=label, count=len(infos), limit=limits.max_members)
        in_zip: list[tuple[_Candidate, list[str]]] = []
        for info in infos:
            name = _member_name(info)
            reason = _unsafe(info.filename)
            if reason:
                raise ArchiveError("unsafe_path", file=label, member=name[:200], reason=reason)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ArchiveError("symlink", file=label, member=name[:200])
            if info.is_dir():
                continue
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if not parts:
                continue
            if parts[0] == "__MACOSX" or parts[-1].lower() in SYSTEM_NAMES or parts[-1].startswith("._"):
                ignored += 1
                continue
            if info.file_size > RATIO_MIN_BYTES and \
                    info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise ArchiveError("zip_bomb", file=label, member=name[:200],
                                   ratio=round(info.file_size / max(info.compress_size, 1)),
                                   limit=limits.max_ratio)
            display = "/".join(parts)
            if several:
                display = f"{label}/{display}"
            ext = _ext(parts[-1])
            if ext not in IMAGE_EXTENSIONS:
                skipped.append({"file": display, "reason": "not_image", "kind": ""})
            elif info.flag_bits & 0x1:
                skipped.append({"file": display, "reason": "encrypted", "kind": ""})
            elif info.file_size > limits.max_member_bytes:
                skipped.append({"file": display, "reason": "too_large", "kind": ""})
            else:
                cands.append(_Candidate(display, ext, info.file_size, path, info))
                in_zip.append((cands[-1], parts[:-1]))
        _set_folders(in_zip)
    if len(cands) > limits.max_images:
        raise ArchiveError("too_many_images", count=len(cands), limit=limits.max_images)
    total = sum(c.size for c in cands)
    if total > limits.max_total_bytes:
        raise ArchiveError("too_large", megabytes=_mb(total), limit=_mb(limits.max_total_bytes))
    return cands, skipped, ignored


def _set_folders(in_zip: list[tuple[_Candidate, list[str]]]) -> None:
    """Each image's ``folder`` from its folders inside one zip (see :class:`Item`): the first one,
    or the second when every image shares the first and some go deeper (the zip's root)."""
    dirs = [d for _, d in in_zip]
    skip = int(bool(dirs) and all(d and d[0] == dirs[0][0] for d in dirs) and any(len(d) > 1 for d in dirs))
    for c, d in in_zip:
        c.folder = d[skip][:MAX_FOLDER_CHARS] if len(d) > skip else ""


# A central-directory entry is 46 bytes plus its name and extra fields; 1 KiB per allowed member is
# generous for real archives and bounds what ZipFile would parse into memory, whatever count the
# archive announces.
CD_BYTES_PER_MEMBER = 1024


def _zip_entry_count(path: str) -> tuple[int, int] | None:
    """(entries announced, central directory size in bytes) from the end-of-central-directory
    record (zip64 aware), read before ``ZipFile`` parses the whole directory into memory (a
    million tiny entries would take GBs). ``ZipFile`` reads the directory by its *size* and
    ignores the announced count, so both are checked. None when the record cannot be read
    (``ZipFile`` will then say what is wrong)."""
    try:
        with open(path, "rb") as f:
            end = zipfile._EndRecData(f)
    except (OSError, struct.error, ValueError):
        return None
    if not end:
        return None
    return int(end[zipfile._ECD_ENTRIES_TOTAL]), int(end[zipfile._ECD_SIZE])


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it: zips without the UTF-8 flag (Windows' and older
    macOS' built-in tools) store UTF-8 anyway more often than CP437, so "Año/niño.jpg" is tried as
    UTF-8 first. Backslashes count as separators."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


_DRIVE = re.compile(r"^[A-Za-z]:")


def _unsafe(raw: str) -> str:
    """Why a member name is refused ("" when it is fine): "nul", "absolute", "drive", "parent"."""
    if "\x00" in raw:
        return "nul"
    name = raw.replace("\\", "/")
    if name.startswith("/"):
        return "absolute"
    if _DRIVE.match(name):
        return "drive"
    if ".." in name.split("/"):
        return "parent"
    return ""


def _ext(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(i: int, display: str, ext: str) -> str:
    stem = _UNSAFE_CHARS.sub("_", PurePosixPath(display).stem).strip("._-")[:40]
    ext = _UNSAFE_CHARS.sub("", ext)[:6] or ".img"
    return f"{i:04d}_{stem}{ext}" if stem else f"{i:04d}{ext}"


def _copy_all(cands: list[_Candidate], workdir: Path, limits: Limits, written: list[Path],
              stop: threading.Event | None) -> list[tuple[_Candidate, Path, int]]:
    out = []
    total = 0
    zips: dict[str, zipfile.ZipFile] = {}
    try:
        for i, c in enumerate(cands):
            if stop is not None and stop.is_set():
                raise ArchiveError("stopped", done=0, total=len(cands))
            dst = workdir / _safe_name(i, c.name, c.ext)
            k = 1
            while os.path.lexists(dst):  # an earlier upload into the same folder: never overwrite
                dst = workdir / f"{k}-{_safe_name(i, c.name, c.ext)}"
                k += 1
            if dst.parent != workdir:  # cannot happen: the name has no separators
                raise AssertionError(dst)
            budget = min(c.size, limits.max_member_bytes, limits.max_total_bytes - total)
            try:
                if c.member is None:
                    src_cm = open(c.source, "rb")
                else:
                    zf = zips.get(c.source) or zips.setdefault(c.source, zipfile.ZipFile(c.source))
                    src_cm = zf.open(c.member)
                with src_cm as src, open(dst, "xb") as f:
                    written.append(dst)
                    n = _copy_limited(src, f, budget)
            except _TooMany:
                raise ArchiveError("zip_bomb", file=os.path.basename(c.source), member=c.name[:200],
                                   ratio=None, limit=limits.max_ratio) from None
            except FileNotFoundError:
                raise ArchiveError("missing", file=os.path.basename(c.source)) from None
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError,
                    ValueError, struct.error) as e:  # bad CRC, truncated data, unknown compression
                if c.member is None:
                    raise ArchiveError("missing", file=os.path.basename(c.source)) from None
                raise ArchiveError("bad_zip", file=os.path.basename(c.source),
                                   reason=f"{c.name[:80]}: {type(e).__name__}: {e}"[:200]) from None
            total += n
            out.append((c, dst, n))
    finally:
        for zf in zips.values():
            zf.close()
    return out


class _TooMany(Exception):
    """A stream produced more bytes than it was allowed."""


def _copy_limited(src, dst, limit: int) -> int:
    """Copy ``src`` to ``dst`` in chunks, counting; raises :class:`_TooMany` as soon as more than
    ``limit`` bytes come out (a zip member that lies about its size). Returns the bytes copied."""
    n = 0
    while True:
        chunk = src.read(min(COPY_CHUNK, limit - n + 1))
        if not chunk:
            return n
        n += len(chunk)
        if n > limit:
            raise _TooMany
        dst.write(chunk)


def _decode_all(files, skipped: list[dict], progress: Progress | None,
                stop: threading.Event | None) -> list[Item]:
    total = len(files)
    results: list[Item | None] = [None] * total
    if progress:
        progress(0, total)
    workers = max(1, min(runtime.available_cores(), total))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="archive-decode") as pool:
        # A sliding window of decodes: each result (up to a 1024-px RGB image) is turned into a
        # thumbnail and a 224-px input at once, so at most ~2 × workers full images are alive.
        window = 2 * workers
        futures: list = [pool.submit(_prepare, path) for _, path, _ in files[:window]]
        try:
            for i in range(total):
                if stop is not None and stop.is_set():
                    raise ArchiveError("stopped", done=i, total=total)
                c, path, n = files[i]
                fut, futures[i] = futures[i], None
                if i + window < total:
                    futures.append(pool.submit(_prepare, files[i + window][1]))
                try:
                    img, size = fut.result()
                except images.ImageError as e:
                    path.unlink(missing_ok=True)
                    skipped.append({"file": c.name, "reason": "unreadable", "kind": e.kind})
                else:
                    results[i] = Item(c.name, path, size, n, _thumb(img), _model_input(img), folder=c.folder)
                if progress:
                    progress(i + 1, total)
        except BaseException:
            for f in futures:
                if f is not None:
                    f.cancel()
            raise
    return [r for r in results if r is not None]


def _prepare(path: Path) -> tuple[Image.Image, tuple[int, int]]:
    """A file → (upright RGB working copy, original upright (width, height)).

    JPEGs are opened here only to set draft mode (decode at the largest 1/2^k scale keeping both
    sides ≥ :data:`DRAFT_SIDE`: a 4000×3000 photo decodes as 500×375, about 8× faster than at the
    1024 px images.load would use); every check and conversion is explorer.images.load's. Anything
    else, and any JPEG this path does not like, goes to images.load(path) unchanged."""
    with open(path, "rb") as fp:
        try:
            im = Image.open(fp, formats=["JPEG"])
        except Exception:
            im = None
        if im is not None:
            with im:
                w, h = im.size
                if 0 < w * h <= images.MAX_JPEG_PIXELS:
                    im.draft(None, (DRAFT_SIDE, DRAFT_SIDE))
                    if im.size[0] * im.size[1] <= images.MAX_PIXELS:
                        out = images.load(im)
                        return out, _upright_size((w, h), out.size)
    out = images.load(str(path))
    with Image.open(path) as header:  # load() succeeded, so the header is readable
        return out, _upright_size(header.size, out.size)


def _upright_size(stored: tuple[int, int], shown: tuple[int, int]) -> tuple[int, int]:
    """The original size, swapped when EXIF orientation turned the picture a quarter."""
    w, h = stored
    if (w > h) != (shown[0] > shown[1]) and w != h and shown[0] != shown[1]:
        return h, w
    return w, h


def _thumb(img: Image.Image) -> Image.Image:
    t = img.copy()
    t.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return t


def _model_input(img: Image.Image) -> np.ndarray:
    """(224, 224, 3) uint8: the Filters tab's preprocessing (models.efficientnet_lite.preprocess,
    "resize" mode: the whole picture to 224×224, bicubic)."""
    from models import efficientnet_lite as eff

    return np.asarray(eff.preprocess_steps(img)["input"], dtype=np.uint8)


def _mb(n: int) -> float | int:
    x = round(n / 2**20, 1)
    return int(x) if x == int(x) else x


# ---------------------------------------------------------------------------------------------
# Embedding


def _session():
    sess = runtime.session(ONNX)
    if [o.name for o in sess.get_outputs()][:2] != ["logits", "features"]:
        raise RuntimeError(f"{ONNX.name} has no 'features' output: rebuild it with "
                           "'python -m scripts.build_assets efficientnet_lite0'")
    return sess


def embed_images(items: Sequence[Item], batch: int = 16, progress: Progress | None = None,
                 stop: threading.Event | None = None) -> tuple[np.ndarray, list[list[dict]]]:
    """EfficientNet-Lite0 through ONNX Runtime, ``batch`` images at a time.

    Returns:
        features (N, 1280) float32, each row L2-normalised (the pooled head before the classifier),
        and per image its top-3 ImageNet tags ``[{"index", "label", "probability"}, ...]`` (the
        Filters tab's ``filters.top_k`` format; labels are English ImageNet names).
    ``progress(done, total)`` is called before the first batch and after each; ``stop`` is
    checked between batches (raises ``ArchiveError("stopped")``).
    """
    from explorer.nets import top_k
    from models import efficientnet_lite as eff

    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or \
            not BATCH[0] <= batch <= BATCH[1]:
        raise ArchiveError("out_of_range", name="batch", value=str(batch)[:40], low=BATCH[0], high=BATCH[1])
    n = len(items)
    feats = np.empty((n, FEATURE_DIM), np.float32)
    tags: list[list[dict]] = []
    if n == 0:
        return feats, tags
    if any(it.pixels is None for it in items):
        raise ValueError("an item's pixels were freed before embedding")
    sess, names = _session(), eff.class_names()
    if progress:
        progress(0, n)
    for a in range(0, n, batch):
        if stop is not None and stop.is_set():
            raise ArchiveError("stopped", done=a, total=n)
        x = np.stack([it.pixels for it in items[a:a + batch]]).astype(np.float32)  # (B, 224, 224, 3)
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2)) / np.float32(255.0)  # (B, 3, 224, 224)
        logits, f = sess.run(["logits", "features"], {"x": x})
        feats[a:a + len(x)] = f
        probs = runtime.softmax(logits.astype(np.float64))
        tags.extend(top_k(p, names, TOP_TAGS) for p in probs)
        if progress:
            progress(min(a + batch, n), n)
    return normalize(feats), tags


def normalize(X: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), float32."""
    X = np.asarray(X, dtype=np.float32)
    norm = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.maximum(norm, 1e-12)


# ---------------------------------------------------------------------------------------------
# Text


def parse_lines(text: str | Sequence[str]) -> list[str]:
    """A pasted block (one sentence per line) or a list of strings → the non-blank sentences,
    control characters dropped (explorer.text.clean), each cut to :data:`MAX_LINE_CHARS`.
    Raises ``too_many_lines`` above :data:`MAX_LINES`, ``no_text`` when none is left."""
    from explorer.errors import TextError
    from explorer.text import clean

    if text is None:
        raise ArchiveError("no_text")
    raw = text.splitlines() if isinstance(text, str) else [str(t) for t in text if t is not None]
    out = []
    for line in raw:
        try:
            line = clean(line[:MAX_LINE_CHARS]).strip()
        except TextError:
            continue
        if line:
            out.append(" ".join(line.split()))
    if len(out) > MAX_LINES:
        raise ArchiveError("too_many_lines", count=len(out), limit=MAX_LINES)
    if not out:
        raise ArchiveError("no_text")
    return out


def embed_texts(lines: str | Sequence[str], batch: int = 64) -> tuple[list[str], np.ndarray]:
    """Sentences → (the sentences kept, (N, 384) float32 unit vectors) with multilingual-e5-small
    (explorer.text.embed: mean pooling over tokens), each read as a ``"passage: "``, what a search
    looks in."""
    from explorer.text import embed

    kept = parse_lines(lines)
    E = np.concatenate([embed(kept[a:a + batch], "multilingual", kind="passage", batch=batch)
                        for a in range(0, len(kept), batch)])
    return kept, normalize(E)


def search(query: str, embeddings: np.ndarray, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Semantic search: the ``k`` sentences whose embeddings (from :func:`embed_texts`) have the
    highest cosine similarity with ``query``'s, embedded as a ``"query: "`` (the catalogue's language
    or another: the model maps ~100 languages into one space). Returns (indices (k,), similarities
    (k,)), best first."""
    from explorer.errors import TextError
    from explorer.text import clean, embed

    if not isinstance(query, str):
        raise ArchiveError("empty_query")
    try:
        q = clean(query[:MAX_LINE_CHARS]).strip()
    except TextError:
        q = ""
    if not q:
        raise ArchiveError("empty_query")
    E = _matrix(embeddings)
    k = _check_k(k, len(E))
    s = E @ normalize(embed([q], "multilingual", kind="query"))[0]
    return _best(s, k)


# ---------------------------------------------------------------------------------------------
# Analysis


def _matrix(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"expected a non-empty (N, D) matrix, got shape {X.shape}")
    return X


def _check_k(k, n: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not K_RANGE[0] <= k <= K_RANGE[1]:
        raise ArchiveError("out_of_range", name="k", value=str(k)[:40], low=K_RANGE[0], high=K_RANGE[1])
    return int(min(k, n))


def _best(s: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the ``k`` largest entries of ``s``, largest first (ties: lower index first)."""
    if k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    idx = np.argpartition(-s, k - 1)[:k] if k < len(s) else np.arange(len(s))
    idx = idx[np.lexsort((idx, -s[idx]))]
    return idx.astype(np.int64), s[idx].astype(np.float32)


def neighbors(F: np.ndarray, i: int, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """'Find similar': the ``k`` rows of ``F`` (N, D), L2-normalised, with the highest cosine
    similarity to row ``i``, itself excluded. Returns (indices (min(k, N-1),), similarities),
    most similar first. One matrix-vector product: ~0.1 ms for 500 × 1280."""
    F = _matrix(F)
    n = len(F)
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < n:
        raise ArchiveError("out_of_range", name="index", value=str(i)[:40], low=0, high=n - 1)
    k = _check_k(k, n - 1)
    s = F @ F[i]  # (N,)
    s[i] = -np.inf
    return _best(s, k)


def all_neighbors(F: np.ndarray, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """:func:`neighbors` of every row at once: (indices (N, k'), similarities (N, k')) with
    k' = min(k, N-1)."""
    F = _matrix(F)
    n = len(F)
    k = _check_k(k, n - 1)
    S = F @ F.T
    np.fill_diagonal(S, -np.inf)
    rows = [_best(S[r], k) for r in range(n)]
    return (np.stack([r[0] for r in rows]).reshape(n, k),
            np.stack([r[1] for r in rows]).reshape(n, k))


def duplicate_groups(F: np.ndarray, threshold: float = 0.95) -> list[list[int]]:
    """Near-duplicate groups: the connected components of the graph linking every pair (i, j) with
    cosine similarity ≥ ``threshold`` (single linkage: A~B and B~C put A, B, C together even if
    cos(A, C) is lower). Only groups of two or more, each sorted, ordered by their first index.

    On EfficientNet-Lite0 features a resized or recompressed copy of a photo scores ≥ 0.97, a
    different photo of the same subject typically < 0.9 (see tests/unit/test_archive.py)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    try:
        t = float(threshold)
    except (TypeError, ValueError):
        t = float("nan")
    if not THRESHOLD_RANGE[0] <= t <= THRESHOLD_RANGE[1]:
        raise ArchiveError("out_of_range", name="threshold", value=str(threshold)[:40],
                           low=THRESHOLD_RANGE[0], high=THRESHOLD_RANGE[1])
    F = _matrix(F)
    n = len(F)
    S = F @ F.T
    i, j = np.nonzero(np.triu(np.float32(t) <= S, k=1))
    _, label = connected_components(coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)), directed=False)
    groups: dict[int, list[int]] = {}
    for r, lab in enumerate(label):
        groups.setdefault(int(lab), []).append(r)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def layout(F: np.ndarray, method: str = "umap", seed: int = 0, stop: threading.Event | None = None) -> np.ndarray:
    """2-D coordinates (N, 2) float32 for the map, scaled so the largest |coordinate| is 1.

    ``umap``: cosine metric, ``n_neighbors`` = min(15, N-1), ``min_dist`` 0.1, ``random_state``
    = ``seed`` (same input, same map), spectral initialisation (random below 10 points, where the
    spectral one can fail). Below :data:`MIN_UMAP_POINTS` points it falls back to PCA, as does
    ``method="pca"``: the two principal axes of the centred rows, signs fixed so each axis'
    largest loading is positive. One point sits at (0, 0). UMAP runs in a worker process
    (:mod:`explorer.worker`, as the Embeddings tab's maps do): ``stop``, when set, kills it and
    raises ``ArchiveError("stopped")``, and the server never loads umap-learn's compiled code.
    """
    from explorer import worker
    from explorer.embeddings import fit

    F = _matrix(F)
    if method not in ("umap", "pca"):
        raise ArchiveError("out_of_range", name="method", value=str(method)[:40], low="umap", high="pca")
    n = len(F)
    if n == 1:
        return np.zeros((1, 2), np.float32)
    if method == "pca" or n < MIN_UMAP_POINTS:
        Y = _pca2(F)
    else:
        try:
            Y = worker.run(fit.umap_own_neighbours, F, min(UMAP_NEIGHBORS, n - 1), 0.1, int(seed),
                           "spectral" if n >= 10 else "random", stop=stop)
        except worker.Stopped:
            raise ArchiveError("stopped", done=n, total=n) from None
    Y = np.asarray(Y, dtype=np.float64)
    Y -= Y.mean(axis=0)
    scale = np.abs(Y).max()
    return (Y / scale if scale > 0 else Y).astype(np.float32)


def _pca2(X: np.ndarray) -> np.ndarray:
    Xc = np.asarray(X, dtype=np.float64) - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    V = Vt[:2].T  # (D, ≤2)
    V = V * np.sign(V[np.abs(V).argmax(axis=0), np.arange(V.shape[1])])
    Y = Xc @ V
    return np.pad(Y, ((0, 0), (0, 2 - Y.shape[1]))) if Y.shape[1] < 2 else Y


def thumbnails(items: Sequence[Item], size: int = 64) -> list[Image.Image]:
    """Each item's thumbnail with its longest side ≤ ``size`` (new images; ≤ 128)."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 8 <= size <= THUMB_SIDE:
        raise ArchiveError("out_of_range", name="size", value=str(size)[:40], low=8, high=THUMB_SIDE)
    out = []
    for it in items:
        t = it.thumb.copy()
        t.thumbnail((size, size), Image.Resampling.BICUBIC)
        out.append(t)
    return out


def sprite(thumbs: Sequence[Image.Image], size: int = 64, columns: int | None = None,
           background: tuple[int, int, int] = (255, 255, 255)) -> tuple[Image.Image, list[tuple[int, int]]]:
    """The thumbnails on one sheet (one image to send instead of N): each centred in a
    ``size``×``size`` cell, ``columns`` per row (default ⌈√N⌉). Returns (sheet, top-left (x, y)
    of each cell)."""
    n = len(thumbs)
    cols = columns or max(1, int(np.ceil(np.sqrt(n))))
    rows = max(1, -(-n // cols))
    sheet = Image.new("RGB", (cols * size, rows * size), background)
    cells = []
    for k, t in enumerate(thumbs):
        x, y = (k % cols) * size, (k // cols) * size
        sheet.paste(t, (x + (size - t.width) // 2, y + (size - t.height) // 2))
        cells.append((x, y))
    return sheet, cells


# ---------------------------------------------------------------------------------------------
# Export


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A text cell safe to open in a spreadsheet: one starting with = + - @ (or tab / CR) gets a
    leading apostrophe, so "=HYPERLINK(...)" is shown, not run (OWASP, "CSV Injection")."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def format_tags(tags: Sequence[dict]) -> str:
    """"Egyptian cat (0.77); tiger cat (0.10); tabby (0.08)"."""
    return "; ".join(f"{t['label']} ({t['probability']:.2f})" for t in tags)


def to_csv(items: Sequence[Item], tags: Sequence[Sequence[dict]], coords: np.ndarray,
           neighbours: Sequence[Sequence[int]] | np.ndarray | None = None) -> str:
    """One row per image: ``file`` (original relative path), ``tags`` (see :func:`format_tags`),
    ``x``, ``y`` (map coordinates, 4 decimals), ``nearest_neighbours`` (file names of
    ``neighbours[i]`` — e.g. ``all_neighbors(F, 5)[0]`` — joined by "; "). Standard CSV (commas,
    fields with commas/quotes/newlines quoted, "\\n" line ends); text cells neutralised against
    formula injection (numbers are written by us and left as numbers). Write it with
    ``encoding="utf-8-sig"`` so Excel reads accents correctly."""
    coords = np.asarray(coords, dtype=np.float64)
    n = len(items)
    if len(tags) != n or coords.shape != (n, 2) or (neighbours is not None and len(neighbours) != n):
        raise ValueError("items, tags, coords and neighbours must describe the same images")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["file", "tags", "x", "y", "nearest_neighbours"])
    for r, it in enumerate(items):
        near = "" if neighbours is None else "; ".join(items[int(j)].name for j in neighbours[r])
        w.writerow([_cell(it.name), _cell(format_tags(tags[r])), f"{coords[r, 0]:.4f}",
                    f"{coords[r, 1]:.4f}", _cell(near)])
    return buf.getvalue()


def summary(items: Sequence[Item], tags: Sequence[Sequence[dict]], groups: Sequence[Sequence[int]],
            skipped: Sequence[dict] = ()) -> dict[str, Any]:
    """The API's JSON: ``{"files": [{"file", "tags": [{"index", "label", "probability"}]}],
    "duplicate_groups": [[file, ...], ...], "skipped": [...]}``."""
    return {"files": [{"file": it.name, "tags": [dict(t, probability=round(float(t["probability"]), 4))
                                                  for t in tg]} for it, tg in zip(items, tags)],
            "duplicate_groups": [[items[i].name for i in g] for g in groups],
            "skipped": list(skipped)}


__all__ = [
    "ERROR_KINDS",
    "IMAGE_EXTENSIONS",
    "MAX_LINES",
    "ArchiveError",
    "Extraction",
    "Item",
    "Limits",
    "all_neighbors",
    "duplicate_groups",
    "embed_images",
    "embed_texts",
    "extract",
    "format_tags",
    "fresh_workdir",
    "layout",
    "neighbors",
    "normalize",
    "parse_lines",
    "search",
    "sprite",
    "summary",
    "thumbnails",
    "to_csv",
]
