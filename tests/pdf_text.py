"""The text of a PDF's pages, read without the library that wrote it.

Enough of PDF for what fpdf2 writes: numbered objects, Flate streams, a flat page tree, Type0
fonts with a ToUnicode map, and text shown with Tj/TJ. No other PDF reader is installed here,
and checking a file with its own writer's parser would prove little.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

_OBJECT = re.compile(rb"(\d+) 0 obj\b")
_REF = rb"(\d+) 0 R"
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object's dictionary and its decoded stream, if it has one."""
    found, at_end = {}, 0
    # Searching on from the end of the last object: a stream's bytes may look like a header.
    while match := _OBJECT.search(data, at_end):
        start = match.end()
        end = data.index(b"endobj", start)
        head, stream = data[start:end], None
        at = head.find(b"stream")
        if at >= 0:
            head = data[start : start + at]
            length = int(re.search(rb"/Length (\d+)", head).group(1))
            begin = start + at + len(b"stream")
            begin += 2 if data[begin : begin + 2] == b"\r\n" else 1
            stream = data[begin : begin + length]
            if b"/FlateDecode" in head:
                stream = zlib.decompress(stream)
            end = data.index(b"endobj", begin + length)
        found[int(match.group(1))] = (head, stream)
        at_end = end
    return found


def _ref(head: bytes, key: bytes) -> int:
    return int(re.search(rb"/" + key + rb"\s+" + _REF, head).group(1))


def _cmap(stream: bytes) -> dict[bytes, str]:
    """Glyph code -> text, from a ToUnicode CMap's bfchar and bfrange sections."""
    codes: dict[bytes, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
            codes[bytes.fromhex(code.decode())] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for low, high, first in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section
        ):
            width, start = len(low) // 2, int(first, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                codes[code.to_bytes(width, "big")] = chr(start + offset)
    return codes


def _strings(content: bytes):
    """(font name, raw string) for every string shown, in order."""
    font, i = None, 0
    while i < len(content):
        char = content[i : i + 1]
        if char == b"/":
            name = re.match(rb"/(\w+)\s+[\d.]+\s+Tf", content[i:])
            if name:
                font = name.group(1).decode()
            i += 1
        elif char == b"(":
            raw, i = _literal(content, i + 1)
            yield font, raw
        elif char == b"<" and content[i : i + 2] != b"<<":
            end = content.index(b">", i)
            yield font, bytes.fromhex(content[i + 1 : end].decode())
            i = end + 1
        elif content[i : i + 2] == b"ET":
            yield font, None  # the end of a text object: a line break
            i += 2
        else:
            i += 1


def _literal(content: bytes, i: int) -> tuple[bytes, int]:
    out, depth = bytearray(), 1
    while True:
        char = content[i : i + 1]
        if char == b"\\":
            following = content[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", content[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8))
                i += 1 + len(octal.group(0))
                continue
            out += _ESCAPES.get(following, following)
            i += 2
            continue
        if char == b"(":
            depth += 1
        elif char == b")":
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out += char
        i += 1


def pdf_pages(path: Path) -> list[str]:
    """The text of each page, a line per text object."""
    objects = _objects(path.read_bytes())
    pages_head = next(head for head, _ in objects.values() if b"/Type /Pages" in head)
    kids = [int(n) for n in re.findall(_REF, re.search(rb"/Kids\s*\[(.*?)\]", pages_head, re.S)[1])]
    texts = []
    for kid in kids:
        head = objects[kid][0]
        resources = objects[_ref(head, b"Resources")][0]
        fonts = {
            name.decode(): _cmap(objects[_ref(objects[int(ref)][0], b"ToUnicode")][1])
            for name, ref in re.findall(rb"/(\w+)\s+" + _REF, resources)
        }
        lines, line = [], []
        for font, raw in _strings(objects[_ref(head, b"Contents")][1]):
            if raw is None:
                if line:
                    lines.append("".join(line))
                line = []
                continue
            cmap = fonts[font]
            line += [cmap.get(raw[j : j + 2], "?") for j in range(0, len(raw), 2)]
        texts.append("\n".join(lines))
    return texts
