#!/usr/bin/env python3
"""set_fingerprint.py IN.vimq OUT.vimq FINGERPRINT: a copy of a bundle whose header carries
another hardware fingerprint, with the header checksum recomputed (docs/bundle.md), so that
the bundle reads as valid and only the fingerprint is wrong."""
import struct
import sys
import zlib

src, dst, fingerprint = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
data = bytearray(open(src, "rb").read())
struct.pack_into("<Q", data, 16, fingerprint)          # header: fingerprint at byte 16
(count,) = struct.unpack_from("<I", data, 48)          # section count
struct.pack_into("<I", data, 52, 0)                    # CRC-32 of [0, 64 + 32 * count), itself 0
struct.pack_into("<I", data, 52, zlib.crc32(bytes(data[:64 + 32 * count])))
open(dst, "wb").write(data)
