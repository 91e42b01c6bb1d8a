#!/usr/bin/python3
"""Prints facts about a PNG (8-bit RGB or RGBA, non-interlaced, as Chromium writes them) as JSON.

usage: png_stats.py FILE [X0 Y0 X1 Y1]...

For the whole image and for each given region: the pixel count, how many are not white (any channel
below 245) and how many are coloured (the channels differ by more than 40: chart colours, not grey
text). Decoding needs only zlib: the filters of PNG section 9 are undone here.
"""
import json
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def stats(rows, bpp, x0, y0, x1, y1):
    total = nonwhite = coloured = 0
    for y in range(y0, y1):
        line = rows[y]
        for x in range(x0, x1):
            r, g, b = line[x * bpp], line[x * bpp + 1], line[x * bpp + 2]
            total += 1
            if min(r, g, b) < 245:
                nonwhite += 1
            if max(r, g, b) - min(r, g, b) > 40:
                coloured += 1
    return {"pixels": total, "nonWhite": nonwhite, "coloured": coloured}


def main():
    width, height, bpp, rows = decode(sys.argv[1])
    out = {"width": width, "height": height, "whole": stats(rows, bpp, 0, 0, width, height), "regions": []}
    args = [int(a) for a in sys.argv[2:]]
    for i in range(0, len(args), 4):
        x0, y0, x1, y1 = args[i:i + 4]
        out["regions"].append(stats(rows, bpp, max(0, x0), max(0, y0), min(width, x1), min(height, y1)))
    print(json.dumps(out))


main()
