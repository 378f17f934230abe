"""The first body part of a multipart/related answer (WADO-RS sends each instance as one), without a parser that
would read more than it must: the boundary from the Content-Type, the part's headers, its bytes, bounded."""

from __future__ import annotations


def _boundary(content_type: str) -> bytes:
    for piece in content_type.split(";"):
        key, _, value = piece.strip().partition("=")
        if key.lower() == "boundary" and value:
            return value.strip('"').encode("latin-1")
    raise ValueError("the answer is not a multipart message (no boundary)")


def first_part(body: bytes, content_type: str, limit: int) -> bytes:
    """The bytes of the first part; ValueError with the reason when the message is not what WADO-RS sends."""
    if not content_type.lower().startswith("multipart/related"):
        if content_type.lower().startswith("application/dicom"):
            return body  # some servers send a single instance bare
        raise ValueError(f"the PACS sent {content_type.split(';')[0] or 'no content type'}, not DICOM")
    boundary = b"--" + _boundary(content_type)
    start = body.find(boundary)
    if start < 0:
        raise ValueError("the multipart answer has no part")
    headers_end = body.find(b"\r\n\r\n", start)
    if headers_end < 0:
        raise ValueError("the multipart answer's part has no headers")
    part_start = headers_end + 4
    end = body.find(b"\r\n" + boundary, part_start)
    if end < 0:
        raise ValueError("the multipart answer is cut short")
    if end - part_start > limit:
        raise ValueError(f"the instance is larger than the {limit:,} bytes allowed")
    return body[part_start:end]
