#!/usr/bin/env python3
"""Train WellAge's dermoscopy classifier (7 HAM10000 classes) on the CPU and ship it.

    npm run train:lesion -- --data ../shared/data/dermoscopy/ham10000 \
        --data ../shared/data/dermoscopy/isic2017-trainval

Recipe (sized for about 20 minutes on two CPU cores):
- the ImageNet MobileNetV2 backbone from ../shared/pretrained (float32 state_dict), frozen;
- 1280-d pooled features computed once for the clean view of every image and for
  ``--views`` augmented views of every training image (augment.py);
- a one-hidden-layer head trained with inverse-frequency class weights; the weights' log is
  subtracted from the exported logits so probabilities reflect the data, not the weights;
- lesion-grouped split 70 / 15 / 15 (train / calibration / test), stratified by source and
  diagnosis; the calibration split picks the epoch, fits the temperature and the operating
  points; every reported metric is on the untouched test split;
- ISIC 2017's 137 sticker nevi (SONIC study, ids ISIC_0001500-ISIC_0009859, dx nv) are
  excluded from every split, so no split can reward "sticker means benign"; they are scored
  afterwards as a separate check;
- one ONNX graph (backbone + head), input ``image`` [N, 3, 224, 224], output ``logits``
  [N, 7]; the temperature is applied by the runner, from the model card.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import json
import math
import os
import re
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from PIL import Image, ImageDraw
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from augment import AUGMENTATIONS, augment  # noqa: E402
from lesion_preprocess import (  # noqa: E402
    CLASSES,
    MALIGNANT,
    canonical,
    colour_constancy,
    description,
    load_rgb,
    normalise,
)

VERSION = "1.0.0"
MODEL_NAME = "wellage-lesion-mnv2"
STICKER_RANGE = (1500, 9859)  # SONIC study nevi photographed beside coloured stickers
T0 = time.time()


def log(msg: str) -> None:
    print(f"[{time.time() - T0:7.1f}s] {msg}", flush=True)


# ----------------------------------------------------------------------------- data


class Record:
    __slots__ = ("image_id", "path", "dx", "dx_type", "age", "sex", "site", "source", "group", "sticker")

    def __init__(self, **kw: object) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


def read_folder(folder: str) -> list[Record]:
    """Rows of one folder in the ../shared/data/dermoscopy layout; unknown dx are skipped."""
    folder = os.path.normpath(folder)
    with open(os.path.join(folder, "labels.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        while parent.setdefault(a, a) != a:
            a = parent[a]
        return a

    # Images that are the same photo (exact or near duplicates) form one group, so they
    # can never sit on both sides of the split.
    for r in rows:
        for other in re.split(r"[;,| ]+", (r.get("near_duplicates") or "") + " " + (r.get("exact_duplicate_of") or "")):
            if other:
                parent[find(other)] = find(r["image_id"])
    out = []
    for r in rows:
        if r["dx"] not in CLASSES:
            continue
        iid = r["image_id"]
        source = r.get("source") or os.path.basename(folder.rstrip("/"))
        num = int(re.sub(r"\D", "", iid) or 0)
        sticker = source == "isic2017" and STICKER_RANGE[0] <= num <= STICKER_RANGE[1] and r["dx"] == "nv"
        group = r["lesion_id"] or f"{source}:{find(iid)}"
        age = float(r["age"]) if r.get("age") not in (None, "") else None
        out.append(
            Record(
                image_id=iid,
                path=os.path.join(folder, "images", iid + ".jpg"),
                dx=r["dx"],
                dx_type=r.get("dx_type") or "",
                age=age,
                sex=r.get("sex") or "unknown",
                site=r.get("localization") or "unknown",
                source=source,
                group=group,
                sticker=sticker,
            )
        )
    return out


def split_groups(records: list[Record], seed: int) -> dict[str, str]:
    """Lesion-grouped 70/15/15 split, stratified by (source, dx)."""
    rng = np.random.default_rng(seed)
    strata: dict[tuple[str, str], list[str]] = {}
    seen = set()
    for r in sorted(records, key=lambda r: r.group):
        if r.group in seen:
            continue
        seen.add(r.group)
        strata.setdefault((r.source, r.dx), []).append(r.group)
    assign = {}
    for key in sorted(strata):
        groups = strata[key]
        order = rng.permutation(len(groups))
        for rank, i in enumerate(order):
            frac = (rank + 0.5) / len(groups)
            assign[groups[i]] = "train" if frac < 0.70 else ("calib" if frac < 0.85 else "test")
    return assign


# ----------------------------------------------------------------------------- features


def load_backbone(weights: str) -> torchvision.models.MobileNetV2:
    m = torchvision.models.mobilenet_v2()
    m.load_state_dict(torch.load(weights, map_location="cpu"))
    return m.eval()


class Pooled(nn.Module):
    def __init__(self, features: nn.Module) -> None:
        super().__init__()
        self.features = features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.adaptive_avg_pool2d(self.features(x), 1).flatten(1)


def extract(fast: torch.jit.ScriptModule, x: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return fast(normalise_batch(colour_constancy(x))).float()


def normalise_batch(x: torch.Tensor) -> torch.Tensor:
    return normalise(x)  # broadcasts over the batch


def compute_features(records: list[Record], train_idx: np.ndarray, fast, views: int, seed: int, batch: int = 96):
    """Clean features for every record; ``views`` augmented views for the training ones."""
    n = len(records)
    clean = torch.empty(n, 1280)
    cache = torch.empty(n, 3, 224, 224, dtype=torch.uint8)
    for s in range(0, n, batch):
        xs = torch.stack([canonical(load_rgb(r.path)) for r in records[s : s + batch]])
        cache[s : s + len(xs)] = (xs * 255).round().to(torch.uint8)
        clean[s : s + len(xs)] = extract(fast, xs)
        if (s // batch) % 20 == 0:
            log(f"clean features {s + len(xs)}/{n}")
    # Each view covers every non-nevus training image and a seeded 40 % of the nevi: the
    # rare classes get the variety, the majority class does not eat the CPU budget.
    g = torch.Generator().manual_seed(seed)
    is_nv = np.array([records[i].dx == "nv" for i in train_idx])
    aug = []
    for v in range(views):
        keep = ~is_nv | (torch.rand(len(train_idx), generator=g).numpy() < 0.4)
        idx_v = train_idx[keep]
        feats = torch.empty(len(idx_v), 1280)
        for s in range(0, len(idx_v), batch):
            idx = torch.from_numpy(idx_v[s : s + batch])
            xs = augment(cache[idx].float() / 255.0, g)
            feats[s : s + len(idx)] = extract(fast, xs)
            if (s // batch) % 20 == 0:
                log(f"augmented view {v + 1}/{views}: {s + len(idx)}/{len(idx_v)}")
        aug.append((torch.from_numpy(idx_v), feats))
    return clean, aug


# ----------------------------------------------------------------------------- head


class Standardise(nn.Module):
    """Feature standardisation with the training mean and std, kept inside the graph."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean.clone())
        self.register_buffer("std", std.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


# Chosen on the calibration split among: 512 vs 1024 hidden units, with or without
# standardisation, ISIC sample weight 1 or 2, 40 or 80 epochs, and a logistic-regression
# probe (standardised 1024-unit MLP, dropout 0.3/0.5: mean calibration melanoma AUC
# 0.830 vs 0.814 for the unstandardised 512-unit head; balanced accuracy 0.52 vs 0.48).
def make_head(seed: int, mean: torch.Tensor, std: torch.Tensor) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        Standardise(mean, std), nn.Dropout(0.3), nn.Linear(1280, 1024), nn.ReLU(), nn.Dropout(0.5), nn.Linear(1024, len(CLASSES))
    )


def mel_auc(p: np.ndarray, y: np.ndarray) -> float | None:
    pos = y == 0
    if pos.sum() < 5 or (~pos).sum() < 5:
        return None
    return float(roc_auc_score(pos, p[:, 0]))


def balanced_acc(p: np.ndarray, y: np.ndarray) -> float | None:
    pred = p.argmax(1)
    recalls = [float((pred[y == c] == c).mean()) for c in range(len(CLASSES)) if (y == c).sum() > 0]
    return float(np.mean(recalls)) if recalls else None


def train_head(xtr, ytr, xcal, ycal, cal_sources, weights, seed, epochs=40):
    head = make_head(seed, xtr.mean(0), xtr.std(0) + 1e-3)
    opt = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    g = torch.Generator().manual_seed(seed)
    logw = torch.log(weights)
    best = (-1.0, None, -1)
    for ep in range(epochs):
        head.train()
        perm = torch.randperm(len(xtr), generator=g)
        for s in range(0, len(perm), 512):
            i = perm[s : s + 512]
            loss = F.cross_entropy(head(xtr[i]), ytr[i], weight=weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        head.eval()
        with torch.no_grad():
            p = F.softmax(head(xcal) - logw, 1).numpy()
        y = ycal.numpy()
        aucs = [a for a in (mel_auc(p[cal_sources == s], y[cal_sources == s]) for s in np.unique(cal_sources)) if a is not None]
        score = float(np.mean(aucs)) + 0.5 * (balanced_acc(p, y) or 0.0)
        if score > best[0]:
            best = (score, {k: v.clone() for k, v in head.state_dict().items()}, ep)
        if ep % 5 == 4 or ep == epochs - 1:
            log(f"epoch {ep + 1}/{epochs} loss {loss.item():.3f} calib mel AUC by source {[round(a, 3) for a in aucs]} bal.acc {balanced_acc(p, y):.3f}")
    head.load_state_dict(best[1])
    log(f"chose epoch {best[2] + 1} (calibration score {best[0]:.4f})")
    return head, best[2] + 1


def fit_temperature(logits: torch.Tensor, y: torch.Tensor) -> float:
    log_t = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(logits / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.exp())


# ----------------------------------------------------------------------------- metrics


def ece(p: np.ndarray, y: np.ndarray, bins: int = 15) -> tuple[float, list[dict]]:
    conf = p.max(1)
    correct = (p.argmax(1) == y).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    total, table = 0.0, []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.sum() == 0:
            continue
        gap = abs(correct[m].mean() - conf[m].mean())
        total += m.mean() * gap
        table.append({"lo": float(lo), "hi": float(hi), "n": int(m.sum()), "confidence": float(conf[m].mean()), "accuracy": float(correct[m].mean())})
    return float(total), table


def wilson(k: int, n: int) -> list[float] | None:
    if n == 0:
        return None
    z, ph = 1.96, k / n
    d = 1 + z * z / n
    c = (ph + z * z / (2 * n)) / d
    h = z * math.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / d
    return [round(c - h, 4), round(c + h, 4)]


def rnd(x: float | None, k: int = 4) -> float | None:
    return None if x is None else round(float(x), k)


def metric_set(p, y, groups, thresholds, rng, reps):
    """Everything the card reports for one subset; AUC CIs by lesion-level bootstrap."""
    out: dict = {"n_images": int(len(y)), "n_lesions": int(len(np.unique(groups))), "n_melanoma": int((y == 0).sum())}
    uniq, inv = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inv == i) for i in range(len(uniq))]
    mal = np.isin(y, [CLASSES.index(c) for c in MALIGNANT])
    pmal = p[:, [CLASSES.index(c) for c in MALIGNANT]].sum(1)

    def auc_ci(score, pos):
        if pos.sum() < 5 or (~pos).sum() < 5:
            return None
        value = roc_auc_score(pos, score)
        boots = []
        for _ in range(reps):
            idx = np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))])
            if 0 < pos[idx].sum() < len(idx):
                boots.append(roc_auc_score(pos[idx], score[idx]))
        lo, hi = np.percentile(boots, [2.5, 97.5])
        return {"value": rnd(value), "ci95": [rnd(lo), rnd(hi)], "bootstrap": f"{reps} lesion-level resamples"}

    out["melanoma_auc"] = auc_ci(p[:, 0], y == 0)
    out["malignant_auc"] = auc_ci(pmal, mal)
    out["balanced_accuracy"] = rnd(balanced_acc(p, y))
    ops = {}
    for name, t in thresholds.items():
        pos, flag = y == 0, p[:, 0] >= t
        tp, fn = int((flag & pos).sum()), int((~flag & pos).sum())
        tn, fp = int((~flag & ~pos).sum()), int((flag & ~pos).sum())
        ops[name] = {
            "sensitivity": rnd(tp / (tp + fn)) if tp + fn else None,
            "sensitivity_ci95": wilson(tp, tp + fn),
            "specificity": rnd(tn / (tn + fp)) if tn + fp else None,
            "specificity_ci95": wilson(tn, tn + fp),
        }
    out["operating_points"] = ops
    return out


def age_band(age: float | None) -> str:
    if age is None:
        return "unknown"
    return "<30" if age < 30 else "30-49" if age < 50 else "50-69" if age < 70 else "70+"


def reliability_png(path: str, before: list[dict], after: list[dict], ece_b: float, ece_a: float, temperature: float) -> None:
    """A plain reliability diagram (top-label confidence vs accuracy), drawn with PIL."""
    w, h, m = 560, 560, 60
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    x0, y0, x1, y1 = m, h - m, w - 20, 40
    sx = lambda v: x0 + v * (x1 - x0)  # noqa: E731
    sy = lambda v: y0 - v * (y0 - y1)  # noqa: E731
    d.rectangle([x0, y1, x1, y0], outline="black")
    for t in range(0, 11, 2):
        v = t / 10
        d.line([sx(v), y0, sx(v), y0 + 5], fill="black")
        d.text((sx(v) - 8, y0 + 8), f"{v:.1f}", fill="black")
        d.line([x0 - 5, sy(v), x0, sy(v)], fill="black")
        d.text((x0 - 32, sy(v) - 6), f"{v:.1f}", fill="black")
    d.line([sx(0), sy(0), sx(1), sy(1)], fill=(150, 150, 150))
    for table, colour, r in ((before, (220, 90, 40), 4), (after, (30, 90, 200), 4)):
        pts = [(sx(b["confidence"]), sy(b["accuracy"])) for b in table]
        if len(pts) > 1:
            d.line(pts, fill=colour, width=2)
        for x, y in pts:
            d.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    d.text((x0, 12), f"Reliability on the test split (top-label, 15 bins), T = {temperature:.3f}", fill="black")
    d.text((x0 + 10, y1 + 10), f"before temperature: ECE {ece_b:.3f}", fill=(220, 90, 40))
    d.text((x0 + 10, y1 + 26), f"after temperature:  ECE {ece_a:.3f}", fill=(30, 90, 200))
    d.text((w // 2 - 40, h - 22), "confidence", fill="black")
    d.text((4, y1 - 20), "accuracy", fill="black")
    im.save(path, optimize=True)


# ----------------------------------------------------------------------------- export


class Exported(nn.Module):
    """Backbone + head, logits already corrected for the class weights."""

    def __init__(self, backbone: torchvision.models.MobileNetV2, head: nn.Sequential, logw: torch.Tensor) -> None:
        super().__init__()
        self.features = backbone.features
        self.head = head
        with torch.no_grad():
            self.head[-1].bias -= logw

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(F.adaptive_avg_pool2d(self.features(image), 1).flatten(1))


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def action_for(p_mel: float, thresholds: dict[str, float]) -> str:
    if p_mel >= thresholds["refer"]:
        return "refer"
    if p_mel >= thresholds["monitor"]:
        return "monitor"
    return "benign-appearing"


# ----------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", action="append", required=True, help="folder with images/ and labels.csv (repeatable)")
    ap.add_argument("--out", default=os.path.join(REPO, "models", "lesion"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--views", type=int, default=4, help="augmented views per training image")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--weights", default=os.path.join(REPO, "..", "shared", "pretrained", "mobilenetv2-12-int8", "mobilenetv2-12-int8.pt"))
    ap.add_argument("--fixtures", default=os.path.join(REPO, "test", "fixtures", "lesion"), help="where the parity fixtures go ('' = skip)")
    ap.add_argument("--cache", default="", help="optional .pt file to reuse computed features between runs")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="smoke test: a seeded random subset of N images per folder")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    records: list[Record] = []
    for d in args.data:
        part = read_folder(d)
        if args.limit:
            keep = np.random.default_rng(args.seed).permutation(len(part))[: args.limit]
            part = [part[i] for i in sorted(keep)]
        log(f"{d}: {len(part)} images")
        records += part
    stickers = [r for r in records if r.sticker]
    records = [r for r in records if not r.sticker]
    log(f"set aside {len(stickers)} ISIC 2017 sticker nevi (never trained on, scored separately)")
    assign = split_groups(records, args.seed)
    split = np.array([assign[r.group] for r in records])
    y = torch.tensor([CLASSES.index(r.dx) for r in records])
    sources = np.array([r.source for r in records])
    for s in ("train", "calib", "test"):
        m = split == s
        log(f"{s}: {m.sum()} images, {len({r.group for r, k in zip(records, m) if k})} lesions, mel {(y.numpy()[m] == 0).sum()}")
    assert not ({r.group for r, s in zip(records, split) if s == "train"} & {r.group for r, s in zip(records, split) if s != "train"})

    backbone = load_backbone(args.weights)
    fast = torch.jit.optimize_for_inference(torch.jit.script(Pooled(backbone.features).eval()))
    with torch.inference_mode():
        probe = torch.randn(4, 3, 224, 224)
        diff = (fast(probe) - Pooled(backbone.features)(probe)).abs().max().item()
    log(f"optimised backbone matches eager within {diff:.2e}")
    assert diff < 1e-3

    train_idx = np.flatnonzero(split == "train")
    key = {"ids": [r.image_id for r in records], "views": args.views, "seed": args.seed}
    if args.cache and os.path.exists(args.cache) and torch.load(args.cache)["key"] == key:
        blob = torch.load(args.cache)
        clean, aug = blob["clean"], blob["aug"]
        t_features = float(blob.get("feature_seconds", 0.0))
        log(f"features loaded from {args.cache} (computed in {t_features:.0f} s)")
    else:
        clean, aug = compute_features(records, train_idx, fast, args.views, args.seed)
        t_features = time.time() - T0
        if args.cache:
            os.makedirs(os.path.dirname(os.path.abspath(args.cache)), exist_ok=True)
            torch.save({"key": key, "clean": clean, "aug": aug, "feature_seconds": t_features}, args.cache)

    t_features_loaded = time.time() - T0  # features computed or loaded by now
    ytr_img = y[train_idx]
    counts = torch.bincount(ytr_img, minlength=len(CLASSES)).float()
    weights = counts.sum() / (len(CLASSES) * counts)
    log(f"class counts (train) {dict(zip(CLASSES, counts.int().tolist()))}")
    xtr = torch.cat([clean[train_idx]] + [f for _, f in aug])
    ytr = torch.cat([ytr_img] + [y[i] for i, _ in aug])
    cal = np.flatnonzero(split == "calib")
    test = np.flatnonzero(split == "test")
    head, epoch = train_head(xtr, ytr, clean[cal], y[cal], sources[cal], weights, args.seed, args.epochs)
    head.eval()
    logw = torch.log(weights)
    with torch.no_grad():
        logits_all = head(clean) - logw
    temperature = fit_temperature(logits_all[cal], y[cal])
    log(f"temperature {temperature:.4f}")
    probs = F.softmax(logits_all / temperature, 1).numpy()
    raw = F.softmax(logits_all, 1).numpy()
    yn = y.numpy()

    # Operating points on the calibration split: the highest threshold whose melanoma
    # sensitivity still reaches the target.
    targets = {"refer": 0.90, "monitor": 0.95}
    pm = np.sort(probs[cal][yn[cal] == 0, 0])[::-1]
    thresholds = {k: float(pm[math.ceil(t * len(pm)) - 1]) for k, t in targets.items()}
    log(f"thresholds {thresholds}")

    rng = np.random.default_rng(args.seed)
    groups = np.array([r.group for r in records])

    def subset(mask, reps=300):
        idx = test[mask[test]]
        return metric_set(probs[idx], yn[idx], groups[idx], thresholds, rng, reps)

    everything = np.ones(len(records), bool)
    overall = metric_set(probs[test], yn[test], groups[test], thresholds, rng, 1000)
    calib_ops = metric_set(probs[cal], yn[cal], groups[cal], thresholds, rng, 0 + 1)["operating_points"]
    ece_b, tab_b = ece(raw[test], yn[test])
    ece_a, tab_a = ece(probs[test], yn[test])
    by = lambda f: {k: subset(np.array([f(r) == k for r in records])) for k in sorted({f(records[i]) for i in test})}  # noqa: E731
    metrics = {
        "split": "test (15 % of lesions, never used for training, epoch choice, temperature or thresholds)",
        "overall": overall,
        "by_source": by(lambda r: r.source),
        "histopathology_confirmed": subset(np.array([r.dx_type == "histo" for r in records])),
        "by_sex": by(lambda r: r.sex),
        "by_age_band": by(lambda r: age_band(r.age)),
        "by_body_site": by(lambda r: r.site),
        "calibration": {
            "ece_before": rnd(ece_b),
            "ece_after": rnd(ece_a),
            "bins": 15,
            "reliability_plot": "reliability.png",
            "reliability_after": tab_a,
        },
    }
    log(f"test mel AUC {overall['melanoma_auc']} malignant AUC {overall['malignant_auc']} bal.acc {overall['balanced_accuracy']}")
    for k, v in metrics["by_source"].items():
        log(f"  {k}: mel AUC {v['melanoma_auc']} ops {v['operating_points']}")
    log(f"  histo: mel AUC {metrics['histopathology_confirmed']['melanoma_auc']}")
    log(f"ECE {ece_b:.4f} -> {ece_a:.4f}")
    del everything

    # The sticker check: scored on images the model never saw, beside sticker-free ISIC nevi.
    sticker_check = None
    if stickers:
        xs = torch.stack([canonical(load_rgb(r.path)) for r in stickers])
        with torch.no_grad():
            ps = F.softmax((head(extract(fast, xs)) - logw) / temperature, 1).numpy()[:, 0]
        ref = test[(sources[test] == "isic2017") & (yn[test] == CLASSES.index("nv"))]
        sticker_check = {
            "images": len(stickers),
            "handling": "excluded from training, calibration and test; scored afterwards",
            "mean_melanoma_probability": rnd(ps.mean()),
            "flagged_refer_or_monitor": rnd((ps >= thresholds["monitor"]).mean()),
            "sticker_free_isic_nevi_in_test": {
                "images": int(len(ref)),
                "mean_melanoma_probability": rnd(probs[ref, 0].mean()) if len(ref) else None,
                "flagged_refer_or_monitor": rnd((probs[ref, 0] >= thresholds["monitor"]).mean()) if len(ref) else None,
            },
        }
        log(f"sticker check {sticker_check}")
    metrics["sticker_check"] = sticker_check

    # Export.
    os.makedirs(args.out, exist_ok=True)
    model = Exported(backbone, head, logw).eval()
    onnx_path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(
        model,
        torch.zeros(1, 3, 224, 224),
        onnx_path,
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes={"image": {0: "n"}, "logits": {0: "n"}},
        opset_version=13,
        do_constant_folding=True,
    )
    import onnx

    onnx.checker.check_model(onnx.load(onnx_path))
    with torch.no_grad():
        check = model(normalise_batch(colour_constancy(torch.stack([canonical(load_rgb(records[i].path)) for i in test[:8]]))))
    assert torch.allclose(check, logits_all[test[:8]], atol=1e-3), "exported module disagrees with the head"
    log(f"exported {onnx_path} ({os.path.getsize(onnx_path) / 2**20:.2f} MiB)")
    reliability_png(os.path.join(args.out, "reliability.png"), tab_b, tab_a, ece_b, ece_a, temperature)

    self_test = None
    if args.fixtures:
        from fixtures import write_fixtures

        self_test = write_fixtures(args.fixtures, records, split, model, temperature, thresholds, REPO)

    n_by = lambda m: {"images": int(m.sum()), "lesions": int(len(set(groups[m])))}  # noqa: E731
    data_sources = []
    for d in args.data:
        name = os.path.basename(os.path.normpath(d))
        m = np.array([os.path.dirname(os.path.dirname(r.path)) == os.path.normpath(d) for r in records])
        entry = {"folder": name, "used": n_by(m), "by_split": {s: n_by(m & (split == s)) for s in ("train", "calib", "test")}}
        entry.update(DATA_NOTES.get(name, {"licence": "see the folder's SOURCE.md"}))
        data_sources.append(entry)

    card = {
        "schema_version": 1,
        "name": MODEL_NAME,
        "version": VERSION,
        "task": "dermoscopy-classification-7",
        "created": datetime.date.today().isoformat(),
        "intended_use": {
            "summary": "A second opinion for clinicians who examine a dermoscopic image of a single skin lesion. It suggests; it never diagnoses. The clinician decides.",
            "users": ["dermatologists", "aesthetic physicians", "general practitioners trained in dermoscopy"],
            "inputs": "one dermoscopic (contact or polarised) image of one lesion, centred",
            "not_for": [
                "diagnosis or ruling out cancer without a clinician",
                "use by patients without a clinician",
                "clinical (non-dermoscopic) photographs, mucosa, nails, or children's lesions",
                "commercial use: the training data are licensed non-commercially (HAM10000 CC BY-NC-SA 4.0)",
            ],
        },
        "model": {
            "file": "model.onnx",
            "sha256": sha256(onnx_path),
            "bytes": os.path.getsize(onnx_path),
            "architecture": "MobileNetV2 1.0 (ImageNet, ../shared/pretrained/mobilenetv2-12-int8, float32 state_dict), frozen, + standardised MLP head 1280-1024-7",
            "input": {"name": "image", "shape": [-1, 3, 224, 224], "dtype": "float32"},
            "output": {"name": "logits", "shape": [-1, len(CLASSES)], "dtype": "float32"},
            "opset": 13,
        },
        "classes": [{"code": c, "name": CLASS_NAMES[c], "malignant": c in MALIGNANT} for c in CLASSES],
        "preprocessing": description(),
        "calibration": {
            "method": "temperature",
            "temperature": round(temperature, 6),
            "fitted_on": f"calibration split ({len(cal)} images), minimum negative log-likelihood",
            "in_force": "model card (no clinic recalibration)",
        },
        "operating_points": [
            {
                "action": k,
                "melanoma_threshold": round(thresholds[k], 6),
                "chosen_for": f"the highest threshold with melanoma sensitivity >= {targets[k]:.2f} on the calibration split",
                "calibration_split": calib_ops[k],
                "test_split": overall["operating_points"][k],
            }
            for k in ("refer", "monitor")
        ],
        "suggestion_rule": "melanoma probability >= refer threshold: 'refer'; >= monitor threshold: 'monitor'; otherwise 'benign-appearing'",
        "training": {
            "command": "npm run train:lesion -- --data ../shared/data/dermoscopy/ham10000 --data ../shared/data/dermoscopy/isic2017-trainval --seed " + str(args.seed),
            "seed": args.seed,
            "augmented_views": f"{args.views} per training image (nevi: a seeded 40 % per view)",
            "epochs": args.epochs,
            "chosen_epoch": epoch,
            "class_weights": {c: rnd(w) for c, w in zip(CLASSES, weights.tolist())},
            "class_weight_correction": "log(weight) subtracted from the exported logits",
            "split": "lesion-grouped (HAM10000 lesion_id; ISIC 2017 image id, near-duplicates grouped), 70/15/15 train/calibration/test, stratified by source and diagnosis",
            "augmentations": AUGMENTATIONS,
            "shortcuts": [
                "ISIC 2017: 137 SONIC nevi with coloured stickers (ISIC_0001500-ISIC_0009859, dx nv) excluded from every split; scored separately (metrics.sticker_check)",
                "HAM10000 follow-up nevi with a round dark vignette: vignette augmentation applied to all classes",
                "rulers and ink marks: not handled beyond augmentation; see limitations",
            ],
            "data": data_sources,
            "pretrained": "ImageNet MobileNetV2 (ONNX Model Zoo, Apache-2.0), converted to float32",
            "feature_seconds": round(t_features, 1),
            "head_and_report_seconds": round(time.time() - T0 - t_features_loaded, 1),
            "wall_time_s": round(t_features + time.time() - T0 - t_features_loaded, 1),
            "hardware": f"CPU, {args.threads} threads",
        },
        "metrics": metrics,
        "limitations": [
            "Skin types are under-represented: HAM10000 and ISIC 2017 are mostly fair skin (Austria, Australia, USA); not validated on Fitzpatrick V-VI.",
            "Trained on 200x150 HAM10000 images (downsized, JPEG q76) and 256x256 ISIC 2017 images (aspect not kept); finer structures are lost.",
            "Not validated on clinics, dermoscopes or populations outside these two sources; expect lower specificity and overestimated melanoma probability elsewhere until the clinic recalibrates on its own confirmed cases.",
            "Seven classes only: lesions outside them (e.g. SCC beyond akiec, Merkel cell carcinoma, non-lesions) are forced into one of them.",
            "ISIC 2017 has only mel, nv and bkl (seborrheic keratosis); its metrics cover those.",
            "Rulers, ink marks and other artefacts may still bias the output.",
            "Thresholds and temperature were fitted on about 15 % of the lesions; their confidence intervals are wide.",
        ],
        "self_test": self_test,
    }
    with open(os.path.join(args.out, "model-card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    log(f"wrote {os.path.join(args.out, 'model-card.json')} (sha256 {card['model']['sha256'][:12]}...)")


CLASS_NAMES = {
    "mel": "melanoma",
    "nv": "melanocytic nevus",
    "bcc": "basal cell carcinoma",
    "akiec": "actinic keratosis / intraepithelial carcinoma (Bowen's disease)",
    "bkl": "benign keratosis-like lesion (solar lentigo, seborrheic keratosis, lichen planus-like keratosis)",
    "df": "dermatofibroma",
    "vasc": "vascular lesion",
}

DATA_NOTES = {
    "ham10000": {
        "licence": "CC BY-NC-SA 4.0 - NON-COMMERCIAL; share-alike; attribution required",
        "citation": "Tschandl P, Rosendahl C, Kittler H. The HAM10000 dataset. Sci Data 5, 180161 (2018). doi:10.1038/sdata.2018.161",
        "notes": "200x150 downsized copies; several images per lesion (split by lesion_id)",
    },
    "isic2017-trainval": {
        "licence": "ISIC 2017 challenge data; reportedly CC-0 but not verified - confirm before any commercial use; attribute ISIC",
        "citation": "Codella NCF et al. Skin Lesion Analysis Toward Melanoma Detection (ISBI 2017). arXiv:1710.05006",
        "notes": "256x256 (aspect not kept); train + validation splits only; 137 sticker nevi excluded",
    },
}


if __name__ == "__main__":
    main()
