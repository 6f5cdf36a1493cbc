"""A corpus of hostile files, made at test time (nothing binary is committed): what a careless or
malicious upload can be. Used by tests/api/test_bad_files.py.

Every name that could escape a folder carries ``token`` (a random string), so a test can search
the file system for anything that landed where it should not.
"""
from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A real 1×1 PNG whose header claims width×height (CRC recomputed): 70 bytes."""
    data = bytearray(png_bytes(Image.new("RGB", (1, 1), (9, 9, 9))))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def png_bomb(width: int, height: int) -> bytes:
    """A genuine black 1-bit PNG of width×height whose pixels deflate ~1000:1 (20000×20000 is
    400 megapixels in about 50 kB), written row block by row block, never whole in memory."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    z = zlib.compressobj(9)
    parts, block = [], row * 1000
    for start in range(0, height, 1000):
        parts.append(z.compress(block if height - start >= 1000 else row * (height - start)))
    parts.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) claims width×height."""
    data = bytearray(jpeg_bytes(Image.new("RGB", (16, 16), (120, 20, 20))))
    at = data.find(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def corrupt_png() -> bytes:
    """A PNG whose image data has been overwritten (its header is intact; the CRC no longer matches)."""
    data = bytearray(png_bytes(Image.effect_noise((64, 64), 40).convert("RGB")))
    at = data.find(b"IDAT") + 20
    data[at:at + 200] = bytes(range(200))
    return bytes(data)


def truncated_gif() -> bytes:
    """A GIF cut in the middle of its (only) picture's data."""
    buf = io.BytesIO()
    Image.effect_noise((200, 150), 60).convert("P").save(buf, "GIF")
    data = buf.getvalue()
    return data[: len(data) // 2]


SVG = (b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       b'<svg xmlns="http://www.w3.org/2000/svg" width="20000" height="20000" onload="alert(1)">'
       b'<text>&xxe;</text><image href="file:///etc/passwd"/></svg>')
PDF = (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def zip_bomb(megabytes: int = 64) -> bytes:
    """One member of ``megabytes`` MB of zeros, deflated about 1000:1."""
    buf = io.BytesIO()
    chunk = bytes(1 << 20)
    with (zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
          zf.open("bomb.png", "w", force_zip64=True) as f):
        for _ in range(megabytes):
            f.write(chunk)
    return buf.getvalue()


def lying_zip(megabytes: int = 8) -> bytes:
    """A zip bomb that lies: its headers declare 100 bytes for a member that inflates to
    ``megabytes`` MB, so the compression-ratio check passes and only counting bytes while
    decompressing (or the CRC) can stop it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:  # no zip64: sizes sit in the headers
        zf.writestr("big.png", bytes(megabytes << 20))
    data = bytearray(buf.getvalue())
    real = struct.pack("<I", megabytes << 20)
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(sig)
        assert data[at + off:at + off + 4] == real
        data[at + off:at + off + 4] = struct.pack("<I", 100)
    return bytes(data)


def zip_of(members: dict, symlinks: dict | None = None) -> bytes:
    """A zip with the given members (name → bytes) and symbolic links (name → target)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data)  # ZipInfo keeps the name exactly as given
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # Unix
            info.external_attr = 0o120777 << 16  # S_IFLNK
            zf.writestr(info, target)
    return buf.getvalue()


def image_corpus(folder: Path) -> dict[str, tuple[Path, str, str]]:
    """Hostile image uploads: name → (path, what the English message says, what the Spanish one
    says), as regular expressions."""
    photo = jpeg_bytes(Image.effect_noise((640, 480), 50).convert("RGB"))
    files = {
        "empty.png": (b"", "No image was received", "No se ha recibido ninguna imagen"),
        "corrupt.png": (corrupt_png(), "damaged or incomplete", "dañada o incompleta"),
        "corrupt.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8,
                        "damaged or incomplete|not an image", "dañada o incompleta|no es una imagen"),
        "truncated.jpg": (photo[: len(photo) // 2], "damaged or incomplete", "dañada o incompleta"),
        "truncated.gif": (truncated_gif(), "damaged or incomplete", "dañada o incompleta"),
        "header_20000x20000.png": (png_declaring(20000, 20000), "too large", "demasiado grande"),
        "bomb_20000x20000.png": (png_bomb(20000, 20000), "too large", "demasiado grande"),
        "bomb_9000x9000.png": (png_bomb(9000, 9000), "too large", "demasiado grande"),
        "flood_65000x65000.jpg": (jpeg_declaring(65000, 65000), "too large|damaged", "demasiado grande|dañada"),
        "drawing.svg": (SVG, "SVG", "SVG"),
        "drawing_svg.png": (SVG, "SVG", "SVG"),
        "document_pdf.png": (PDF, "PDF", "PDF"),
        "zipbomb_zip.png": (zip_bomb(16), "ZIP", "ZIP"),
        "notes.jpg": (b"these are my notes\n" * 50, "text file", "archivo de texto"),
    }
    return _write(folder, files)


def _write(folder: Path, files: dict[str, tuple[bytes, str, str]]) -> dict[str, tuple[Path, str, str]]:
    """Each file's bytes written into ``folder``: name → (path, English message, Spanish message)."""
    out = {}
    for name, (data, en, es) in files.items():
        path = folder / name
        path.write_bytes(data)
        out[name] = (path, en, es)
    return out


def archive_corpus(folder: Path, token: str) -> dict[str, tuple[Path, str, str]]:
    """Hostile uploads for "Mi archivo": name → (path, English message, Spanish message)."""
    ok = png_bytes(Image.new("RGB", (32, 32), (10, 200, 10)))
    files = {
        "traversal.zip": (zip_of({"fotos/ok.png": ok, f"../../{token}.png": ok}),
                          "leaves its folder", "sale de su carpeta"),
        "absolute.zip": (zip_of({"ok.png": ok, f"/tmp/{token}.png": ok}), "leaves its folder", "sale de su carpeta"),
        "backslash.zip": (zip_of({"ok.png": ok, f"..\\..\\{token}.png": ok}), "leaves its folder",
                          "sale de su carpeta"),
        "drive.zip": (zip_of({"ok.png": ok, f"C:/{token}.png": ok}), "leaves its folder", "sale de su carpeta"),
        "symlink.zip": (zip_of({"ok.png": ok}, {f"{token}.png": "/etc/passwd"}), "symbolic link", "enlace simbólico"),
        "symlink_dir.zip": (zip_of({"ok.png": ok}, {"fotos": "/etc", }), "symbolic link", "enlace simbólico"),
        "bomb.zip": (zip_bomb(64), "zip bomb", "bomba"),
        "lying.zip": (lying_zip(8), "not a readable zip|zip bomb", "no es un zip legible|bomba"),
        "nested.zip": (zip_of({"inner.zip": zip_bomb(16)}), "No usable image", "ninguna imagen utilizable"),
        "only_hostile.zip": (zip_of({"a.png": png_declaring(20000, 20000), "b.png": SVG, "c.png": PDF,
                                     "d.gif": truncated_gif()}), "No usable image", "ninguna imagen utilizable"),
        "garbage.zip": (os.urandom(4096), "not a readable zip", "no es un zip legible"),
        "truncated.zip": (zip_of({f"{i}.png": ok for i in range(4)})[:-30], "not a readable zip",
                          "no es un zip legible"),
        "empty.zip": (b"", "not a readable zip|No usable image|Upload a zip",
                      "no es un zip legible|ninguna imagen utilizable"),
        "bomb_20000x20000.png": (png_bomb(20000, 20000), "No usable image", "ninguna imagen utilizable"),
    }
    return _write(folder, files)
