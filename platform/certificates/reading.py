"""Finding a certificate's code in what people hold: the text itself, a PDF, a picture.

A PDF we draw carries the code twice: in its QR code and in its metadata (``Keywords``).
Both are read; when they differ, the file was altered and is refused, since a reader
would scan the one and a program read the other. A picture (PNG, JPEG) holds the QR code
alone. Decoding uses zxing-cpp, reading PDFs pypdf: both install with pip, so this works
offline on any machine.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import zxingcpp
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from neutralpoint.certificates.signing import MALFORMED, InvalidPayloadError, payload_from_text
from neutralpoint.refusals import FieldError, problem

PAYLOAD_KEYWORD = "neutralpoint-certificate:"
TAMPERED = "tampered"
NO_CODE = "no_code"
PDF_MAGIC = b"%PDF-"
PICTURE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"RIFF")


@dataclass(frozen=True)
class Found:
    payload: str
    source: str
    """``text``, ``pdf`` (its QR code, checked against its metadata) or ``picture``."""


NOT_IN_PICTURE = problem(NO_CODE, "No certificate code was found in this picture.", "这张图片中没有找到证书代码。")
NOT_IN_PDF = problem(NO_CODE, "No certificate code was found in this PDF.", "这个 PDF 中没有找到证书代码。")
NOT_IN_FILE = problem(NO_CODE, "No certificate code was found in this file.", "这个文件中没有找到证书代码。")


def _no_code(reason: FieldError) -> InvalidPayloadError:
    return InvalidPayloadError(NO_CODE, reason)


def qr_texts(picture: Image.Image) -> list[str]:
    """The text of every QR code in a Pillow image."""
    return [result.text for result in zxingcpp.read_barcodes(picture) if result.format == zxingcpp.BarcodeFormat.QRCode]


def from_picture(data: bytes) -> Found:
    try:
        picture = Image.open(io.BytesIO(data))
        picture.load()
    except (UnidentifiedImageError, OSError, ValueError):
        raise InvalidPayloadError(
            MALFORMED,
            problem(MALFORMED, "This file is not a picture that could be read.", "此文件不是可以读取的图片。"),
        ) from None
    texts = qr_texts(picture.convert("RGB"))
    if not texts:
        raise _no_code(NOT_IN_PICTURE)
    return Found(payload_from_text(texts[0]), "picture")


def from_pdf(data: bytes) -> Found:
    try:
        reader = PdfReader(io.BytesIO(data))
        metadata = reader.metadata
        keywords = str(metadata.get("/Keywords") or "") if metadata is not None else ""
        codes: list[str] = []
        for page in reader.pages:
            for image in page.images:
                if image.image is not None:
                    codes.extend(qr_texts(image.image.convert("RGB")))
    except (PdfReadError, OSError, ValueError, KeyError):
        raise InvalidPayloadError(
            MALFORMED, problem(MALFORMED, "This file is not a PDF that could be read.", "此文件不是可以读取的 PDF。")
        ) from None
    stated = payload_from_text(keywords[len(PAYLOAD_KEYWORD) :]) if keywords.startswith(PAYLOAD_KEYWORD) else ""
    scanned = [payload_from_text(code) for code in codes]
    if not scanned and not stated:
        raise _no_code(NOT_IN_PDF)
    if stated and any(code != stated for code in scanned):
        raise InvalidPayloadError(
            TAMPERED,
            problem(
                MALFORMED,
                "The PDF's QR code and the code in its metadata differ: the file was altered.",
                "PDF 上的二维码与其元数据中的代码不一致：文件已被改动。",
            ),
        )
    return Found(scanned[0] if scanned else stated, "pdf")


def find_payload(data: bytes) -> Found:
    """The code in ``data``: a PDF's, a picture's, or the bytes themselves as text."""
    if data.startswith(PDF_MAGIC):
        return from_pdf(data)
    if data.startswith(PICTURE_MAGIC):
        return from_picture(data)
    try:
        return Found(payload_from_text(data.decode("utf-8")), "text")
    except UnicodeDecodeError:
        raise _no_code(NOT_IN_FILE) from None
