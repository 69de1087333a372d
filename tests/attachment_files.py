"""Files for the attachment tests, made in memory (Pillow for images, zipfile for Office
documents), and the storage pointed at a test's own temporary directory."""

import io
import zipfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def use_tmp_storage(settings: Any, directory: Path) -> Path:
    """Attachments of this test go under ``directory`` (pytest's tmp_path)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(directory), "base_url": None},
        },
    }
    return directory


def jpeg(width: int = 80, height: int = 40, *, orientation: int | None = None) -> bytes:
    """A JPEG, red on the left half and blue on the right; ``orientation``: its EXIF tag."""
    image = Image.new("RGB", (width, height), "blue")
    image.paste("red", (0, 0, width // 2, height))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(width: int = 1000, height: int = 500) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 0, 255)).save(out, format="PNG")
    return out.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _office(folder: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(f"{folder}/document.xml", '<?xml version="1.0"?><document/>')
    return out.getvalue()


def docx() -> bytes:
    return _office("word")


def xlsx() -> bytes:
    return _office("xl")


def heic_header(brand: bytes = b"heic", compatible: bytes = b"mif1heic") -> bytes:
    """The start of a HEIC file (an ISO-BMFF ``ftyp`` box, brand ``heic``): what an iPhone photo
    begins with. pi-heif cannot write one here, so its type is tested from this alone."""
    box = b"ftyp" + brand + b"\x00\x00\x00\x00" + compatible
    return (len(box) + 4).to_bytes(4, "big") + box + b"\x00" * 64


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)
