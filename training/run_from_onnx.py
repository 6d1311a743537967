#!/usr/bin/env python3
"""Turn a shipped lesion network (models/lesion/model.onnx of an earlier version) back into a
run file that `train_lesion.py --recipe full --load-runs` can choose from.

    /usr/bin/python3 training/run_from_onnx.py --onnx OLD/model.onnx --card OLD/model-card.json \
        --expected OLD/expected.json --fixtures OLD/fixtures/ --label 2.0.0 \
        --data ../shared/data/dermoscopy/ham10000 --data ../shared/data/dermoscopy/isic2017-trainval \
        --out out/run-2.0.0.pt

Why: networks trained by different recipes make different mistakes, so an earlier version can
be a useful ensemble member, but only its ONNX file is kept (in git), not its PyTorch weights.
The ONNX export folded each BatchNorm into the convolution before it (weight and bias), so the
network is rebuilt as a torchvision MobileNetV2 whose BatchNorms are the identity plus that
bias (mean 0, variance 1 - eps, scale 1, shift = the folded bias): the same arithmetic.

The run file holds what a GPU run holds: the state (with the class-weight correction taken
back out of the head, since the ensemble subtracts it once for all members), the 8-view
logits of the calibration split (computed here in float32, so the card's training-machine
check compares this machine with itself) and where the network came from. Before writing,
the rebuilt network must reproduce the logits the old version's training wrote for its parity
fixtures (`--expected`, test/fixtures/lesion/expected.json of that version).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torchvision
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import full_finetune as ff  # noqa: E402
from lesion_preprocess import CLASSES, preprocess_file  # noqa: E402
from train_lesion import full_logits, log, optimised, read_folder, split_sides  # noqa: E402


def folded_convs(model: onnx.ModelProto) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray, np.ndarray | None]:
    """The (weight, bias) of every Conv in graph order, the head's Gemm weight and bias, and
    the class-weight correction if the graph subtracts it as a separate 'logw' tensor."""
    init = {t.name: numpy_helper.to_array(t).copy() for t in model.graph.initializer}  # writable, for torch
    convs = []
    gemm = None
    for node in model.graph.node:
        if node.op_type == "Conv":
            if len(node.input) < 3:
                raise SystemExit(f"Conv {node.name} has no bias: this is not a BatchNorm-folded export")
            convs.append((init[node.input[1]], init[node.input[2]]))
        elif node.op_type == "Gemm":
            if gemm is not None:
                raise SystemExit("more than one Gemm: an ensemble of several networks cannot be rebuilt as one run")
            gemm = (init[node.input[1]], init[node.input[2]])
    if gemm is None:
        raise SystemExit("no Gemm (linear head) in the graph")
    return convs, gemm[0], gemm[1], init.get("logw")


def rebuild(model: onnx.ModelProto, logw: torch.Tensor) -> dict:
    """A state dict for ff.classifier_of's MobileNetV2 (raw logits, before the class-weight
    correction) with the same arithmetic as the ONNX graph."""
    convs, fc_w, fc_b, graph_logw = folded_convs(model)
    net = ff.classifier_of(torchvision.models.mobilenet_v2(), 0)  # every weight is overwritten below
    conv_mods = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    bn_mods = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    if len(convs) != len(conv_mods) or len(bn_mods) != len(conv_mods):
        raise SystemExit(f"the graph has {len(convs)} convolutions; MobileNetV2 has {len(conv_mods)}")
    with torch.no_grad():
        for (w, b), conv, bn in zip(convs, conv_mods, bn_mods):
            if tuple(w.shape) != tuple(conv.weight.shape):
                raise SystemExit(f"convolution shape {w.shape} where MobileNetV2 has {tuple(conv.weight.shape)}")
            conv.weight.copy_(torch.from_numpy(w))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(b))
        head = net.classifier[1]
        head.weight.copy_(torch.from_numpy(fc_w))
        # A graph with a separate 'logw' keeps the head raw; one without it had the correction
        # folded into the head's bias (train_lesion.Exported), which is taken back out here.
        head.bias.copy_(torch.from_numpy(fc_b) + (0 if graph_logw is not None else logw))
    return net.state_dict()


def check_fixtures(net: nn.Module, expected_path: str, fixtures_dir: str) -> float:
    """Largest |logit difference| against the old version's own fixture outputs."""
    with open(expected_path) as f:
        doc = json.load(f)
    worst = 0.0
    for entry in doc["fixtures"]:
        x = preprocess_file(os.path.join(fixtures_dir, entry["file"]))
        with torch.inference_mode():
            got = net(x[None])[0]
        worst = max(worst, float((got - torch.tensor(entry["logits"])).abs().max()))
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--onnx", required=True, help="a single-network model.onnx of an earlier version")
    ap.add_argument("--card", required=True, help="that version's model-card.json (class weights, training section)")
    ap.add_argument("--expected", required=True, help="that version's test/fixtures/lesion/expected.json")
    ap.add_argument("--fixtures", required=True, help="the folder with that version's fixture images")
    ap.add_argument("--label", required=True, help="the member's name on the new card, e.g. 2.0.0")
    ap.add_argument("--data", action="append", required=True, help="the trainer's folders (for the calibration split)")
    ap.add_argument("--split-seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="run file to write")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    with open(args.card) as f:
        card = json.load(f)
    weights = card["training"]["class_weights"]
    logw = torch.log(torch.tensor([weights[c] for c in CLASSES], dtype=torch.float32))
    state = rebuild(onnx.load(args.onnx), logw)
    net = ff.Ensemble([ff.net_from_state(torchvision.models.mobilenet_v2(), state)], logw).eval()
    worst = check_fixtures(net, args.expected, args.fixtures)
    log(f"rebuilt {args.label}: max |logit difference| on its parity fixtures {worst:.2e}")
    if worst > 2e-3:
        raise SystemExit(f"the rebuilt network does not reproduce {args.expected} (max |diff| {worst:.3g})")

    records = [r for d in args.data for r in read_folder(d) if not r.sticker]
    cal = np.flatnonzero(split_sides(records, args.split_seed) == "calib")
    calib_logits = full_logits(optimised(net), records, cal, ff.VIEWS) + logw  # raw, as a GPU run stores them
    training = card["training"]
    # A full-recipe card lists its runs; a partial-recipe card is itself the one run.
    member = {**training, **(training.get("runs") or [{}])[0]}
    run = {
        "seed": member.get("seed"),
        "label": args.label,
        "epoch": member.get("chosen_epoch"),
        "epochs_run": member.get("epochs"),
        "state": state,
        "calib_logits": calib_logits,
        "calib_ids": [records[i].image_id for i in cal],
        "history": member.get("history") or [],
        "seconds": float(member.get("seconds") or member.get("fine_tune_seconds") or 0.0),
        "hardware": member.get("hardware", "unknown"),
        "lr": member.get("lr"),
        "isic_weight": (training.get("source_weights") or {}).get("isic2017"),
        "recipe": training.get("recipe"),
        "augmentations": training.get("augmentations"),
        "from_version": {"version": card["version"], "sha256": card["model"]["sha256"], "fixture_max_abs_logit_difference": float(f"{worst:.3g}")},
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save(run, args.out)
    log(f"wrote {args.out}: {len(cal)} calibration images x {ff.VIEWS} views")


if __name__ == "__main__":
    main()
