#!/usr/bin/env python3
"""Write the content gate's ImageNet classifier (models/image-gate/) as a float32 ONNX file.

    /usr/bin/python3 training/export_gate.py [--weights ../shared/pretrained/mobilenetv2-12-int8/mobilenetv2-12-int8.pt]

Why float32 and not the zoo's int8 file: onnxruntime runs int8 convolutions with different
kernels on different CPUs (with and without AVX2 / VNNI), and on dermoscopy, far from
ImageNet, the top classes are close, so the int8 file's answer moved from machine to machine
(a coffee cup's mass on the dermoscopy classes: below the gate's limit on one server, 0.21 on
another without AVX2). Float32 convolutions agree across CPUs to rounding. The weights are
the same network: ../shared/pretrained's float32 state_dict is the int8 file's weights
dequantised (its SOURCE.md), so only the int8 activation rounding is gone.

The export also rewrites the "model" entry of config.json (file and sha256), since the
content gate refuses a model file whose sha256 differs. The learned class set and threshold
must then be refitted for this network: ``npx tsx scripts/measure-quality-gate.ts --fit``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os

import torch
import torchvision

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GATE_DIR = os.path.join(REPO, "models", "image-gate")
FILE = "mobilenetv2-imagenet-fp32.onnx"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default=os.path.join(REPO, "..", "shared", "pretrained", "mobilenetv2-12-int8", "mobilenetv2-12-int8.pt"))
    ap.add_argument("--out", default=GATE_DIR)
    args = ap.parse_args()

    net = torchvision.models.mobilenet_v2()
    net.load_state_dict(torch.load(args.weights, map_location="cpu"))
    net.eval()
    path = os.path.join(args.out, FILE)
    torch.onnx.export(
        net, torch.zeros(1, 3, 224, 224), path, input_names=["input"], output_names=["output"],
        dynamic_axes={"input": {0: "n"}, "output": {0: "n"}}, opset_version=13, do_constant_folding=True,
    )
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    cfg_path = os.path.join(args.out, "config.json")
    with open(cfg_path) as f:
        cfg = json.load(f)
    cfg["model"] = {**cfg["model"], "file": FILE, "sha256": digest}
    with open(cfg_path, "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path):,} bytes, sha256 {digest}); {cfg_path} now names it: refit with scripts/measure-quality-gate.ts --fit")


if __name__ == "__main__":
    main()
