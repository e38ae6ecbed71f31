#!/usr/bin/env python3
"""pprof_read.py PROFILE.pb.gz [BASE.pb.gz]: reads a gzip-compressed
profile.proto (the fields of github.com/google/pprof/proto/profile.proto that
a heap profile uses) with nothing but the standard library, and prints one
JSON object: {"types": [sample type names], "period": N, "leaf": {function:
[values summed over the samples whose innermost frame is that function]}},
minus BASE's when given. The live tests use it to check profiles without a Go
toolchain."""
import gzip
import json
import sys


def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def fields(b):
    """(field number, wire type, value) for each field of a message."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        f, w = key >> 3, key & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif w == 1:
            v, i = int.from_bytes(b[i:i + 8], "little"), i + 8
        elif w == 5:
            v, i = int.from_bytes(b[i:i + 4], "little"), i + 4
        else:
            raise ValueError("wire type %d" % w)
        yield f, w, v


def ints(w, v, signed=False):
    """A repeated integer field, packed (wire type 2) or not."""
    out = []
    if w == 2:
        i = 0
        while i < len(v):
            x, i = varint(v, i)
            out.append(x)
    else:
        out.append(v)
    if signed:
        out = [x - (1 << 64) if x >= 1 << 63 else x for x in out]
    return out


def load(path):
    data = gzip.open(path).read()
    strings, types, samples, locs, funcs, period = [], [], [], {}, {}, 0
    for f, w, v in fields(data):
        if f == 6:
            strings.append(v.decode())
        elif f == 1:
            types.append(dict((k, x) for k, _, x in fields(v)).get(1, 0))
        elif f == 2:
            ids, vals = [], []
            for k, kw, x in fields(v):
                if k == 1:
                    ids += ints(kw, x)
                elif k == 2:
                    vals += ints(kw, x, True)
            samples.append((ids, vals))
        elif f == 4:
            lid, lines = 0, []
            for k, _, x in fields(v):
                if k == 1:
                    lid = x
                elif k == 4:
                    lines.append(dict((a, y) for a, _, y in fields(x)).get(1, 0))
            locs[lid] = lines
        elif f == 5:
            d = dict((k, x) for k, _, x in fields(v))
            funcs[d.get(1, 0)] = d.get(2, 0)
        elif f == 12:
            period = v
    leaf = {}
    for ids, vals in samples:
        lines = locs.get(ids[0], []) if ids else []
        name = strings[funcs.get(lines[0], 0)] if lines else "?"
        acc = leaf.setdefault(name, [0] * len(vals))
        for k, x in enumerate(vals):
            acc[k] += x
    return {"types": [strings[t] for t in types], "period": period, "leaf": leaf}


p = load(sys.argv[1])
if len(sys.argv) > 2:
    base = load(sys.argv[2])["leaf"]
    for name, vals in base.items():
        acc = p["leaf"].setdefault(name, [0] * len(vals))
        p["leaf"][name] = [a - b for a, b in zip(acc, vals)]
    p["leaf"] = dict((k, v) for k, v in p["leaf"].items() if any(v))
print(json.dumps(p, sort_keys=True))
