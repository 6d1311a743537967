#!/usr/bin/env python3
"""Stage what the full recipe needs for training on a machine that cannot see ../shared (a
rented GPU box, say) into one small folder:

    /usr/bin/python3 training/stage_remote.py --data ../shared/data/dermoscopy/ham10000 \
        --data ../shared/data/dermoscopy/isic2017-trainval --out .gpu

- the training and calibration images only (the test split never leaves; neither do the
  sticker nevi), each transcoded losslessly with jpegtran (-optimize -progressive: the same
  DCT coefficients, so the same decoded pixels; about 4 % smaller) when jpegtran is installed;
- every labels.csv whole, so the remote run computes the identical split;
- the pretrained weights packed as int8 rows with one float32 scale per row (the ImageNet
  MobileNetV2 was itself an int8 model, so its float32 weights are such multiples: 3.6 MB
  instead of 13.6 MB; load_backbone unpacks it, within 1e-6 of the float32 file).

On the remote machine: ``train_lesion.py --data <out>/ham10000 --data <out>/isic2017-trainval
--weights <out>/pretrained-packed.pt --train-only <dir>``; back here, ``--load-runs
<dir>/run-*.pt`` evaluates and exports on the full data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from train_lesion import REPO, read_folder, split_groups  # noqa: E402


def row_scale(row: torch.Tensor) -> float | None:
    """The float scale s with row = s * q, q integers in [-255, 255], if one exists."""
    nz = row[row != 0].abs()
    if len(nz) == 0:
        return 1.0
    m = float(nz.min())
    for d in range(1, 256):
        s = m / d
        q = row / s
        if float((q - q.round()).abs().max()) < 1e-3 and float(q.abs().max()) <= 255:
            return s
    return None


def pack_state(state: dict) -> dict:
    """Tensors of two or more dimensions whose rows are integer multiples of a scale are stored
    as int16 codes (int8 range in practice) plus per-row scales; everything else as is."""
    out: dict = {"__packed__": "int-rows-v1", "tensors": {}}
    for k, v in state.items():
        if v.dtype == torch.float32 and v.dim() >= 2:
            rows = v.reshape(v.shape[0], -1).double()
            scales = [row_scale(r) for r in rows]
            if all(s is not None for s in scales):
                sc = torch.tensor(scales, dtype=torch.float64)
                q = (rows / sc[:, None]).round()
                codes = q.to(torch.int8) if float(q.abs().max()) <= 127 else q.to(torch.int16)
                out["tensors"][k] = {"codes": codes, "scales": sc, "shape": list(v.shape)}
                continue
        out["tensors"][k] = v
    return out


def unpack_state(packed: dict) -> dict:
    state = {}
    for k, v in packed["tensors"].items():
        if isinstance(v, dict):
            state[k] = (v["codes"].double() * v["scales"][:, None]).float().reshape(v["shape"])
        else:
            state[k] = v
    return state


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", action="append", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--split-seed", type=int, default=1)
    ap.add_argument("--weights", default=os.path.join(REPO, "..", "shared", "pretrained", "mobilenetv2-12-int8", "mobilenetv2-12-int8.pt"))
    args = ap.parse_args()

    records = []
    for d in args.data:
        records += read_folder(d)
    kept = [r for r in records if not r.sticker]
    assign = split_groups(kept, args.split_seed)
    jpegtran = shutil.which("jpegtran")
    total = 0
    for d in args.data:
        name = os.path.basename(os.path.normpath(d))
        os.makedirs(os.path.join(args.out, name, "images"), exist_ok=True)
        shutil.copy(os.path.join(d, "labels.csv"), os.path.join(args.out, name, "labels.csv"))
    sent = [r for r in kept if assign[r.group] != "test"]
    for n, r in enumerate(sent):
        name = os.path.basename(os.path.dirname(os.path.dirname(r.path)))
        dst = os.path.join(args.out, name, "images", os.path.basename(r.path))
        if jpegtran:
            with open(dst, "wb") as f:
                subprocess.run([jpegtran, "-copy", "none", "-optimize", "-progressive", r.path], stdout=f, check=True)
        else:
            shutil.copy(r.path, dst)
        total += os.path.getsize(dst)
        if n % 2000 == 0:
            print(f"staged {n}/{len(sent)} images", flush=True)
    state = torch.load(args.weights, map_location="cpu")
    packed = pack_state(state)
    back = unpack_state(packed)
    err = max(float((back[k] - state[k]).abs().max()) for k in state)
    assert err < 1e-6, f"packed weights differ by {err}"
    wpath = os.path.join(args.out, "pretrained-packed.pt")
    torch.save(packed, wpath)
    total += os.path.getsize(wpath)
    print(f"staged {len(sent)} of {len(kept)} images (test split and sticker nevi left here) and the weights "
          f"(max |diff| {err:.1e}): {total / 2**20:.1f} MiB in {args.out}")


if __name__ == "__main__":
    main()
