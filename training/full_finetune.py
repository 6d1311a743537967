"""The "full" recipe: every layer of the ImageNet MobileNetV2 fine-tuned on augmented
images, sized for a GPU (on a CPU it runs, but for many hours).

Why a second recipe: the CPU recipe (train_lesion.py, ``--recipe partial``) can only afford to
fine-tune the last blocks on a frozen, cached stem, and the frozen ImageNet stem is what keeps
its melanoma AUC below the issue's reference. Here each batch is a fresh augmented view of
the canonical 224 px images (augment.py, before colour constancy, as in deployment), the
whole network learns, and the checkpoint is chosen per epoch on the calibration split with
the 8 dihedral views the analyzer averages.

The canonical images are decoded once (lesion_preprocess.canonical) and held as uint8 on the
device: about 1.6 GB for the full training + calibration data.
"""

from __future__ import annotations

import copy
import math
import os
import time
from multiprocessing import Pool

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from augment import Overlays, augment_batched, overlay_banks
from lesion_preprocess import CLASSES, canonical, colour_constancy_fast, load_rgb, normalise

VIEWS = 8


def _canonical_u8(path: str) -> np.ndarray:
    return (canonical(load_rgb(path)) * 255).round().to(torch.uint8).numpy()


def load_canonical(paths: list[str], workers: int) -> torch.Tensor:
    """uint8 [N, 3, 224, 224] canonical images, decoded in ``workers`` processes."""
    if workers <= 1:
        arrays = [_canonical_u8(p) for p in paths]
    else:
        with Pool(workers, initializer=torch.set_num_threads, initargs=(1,)) as pool:
            arrays = pool.map(_canonical_u8, paths, chunksize=64)
    return torch.from_numpy(np.stack(arrays))


def classifier_of(backbone: torchvision.models.MobileNetV2, seed: int, dropout: float = 0.2) -> torchvision.models.MobileNetV2:
    """The ImageNet network with a fresh 7-class head (seeded)."""
    net = copy.deepcopy(backbone)
    torch.manual_seed(seed)
    net.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(1280, len(CLASSES)))
    return net


def model_input(x: torch.Tensor) -> torch.Tensor:
    """Canonical [B, 3, H, W] in [0, 1] -> normalised model input, on x's device."""
    return normalise(colour_constancy_fast(x))


def dihedral(x: torch.Tensor, k: int) -> torch.Tensor:
    """View k of the 8 dihedral views (k // 4: mirrored; k % 4: quarter turns); view 0 is x."""
    if k >= 4:
        x = x.flip(-1)
    return torch.rot90(x, k % 4, dims=(-2, -1))


def training_view(canon: torch.Tensor, idx: torch.Tensor, g: torch.Generator, banks: Overlays, device: torch.device) -> torch.Tensor:
    """A fresh augmented view of the uint8 canonical images ``idx`` as model input (channels_last).
    In float32, outside any autocast: the augmentations index-copy into float tensors."""
    x = augment_batched(canon[idx.to(canon.device)].to(device).float() / 255.0, g, banks)
    return model_input(x).contiguous(memory_format=torch.channels_last)


def tta_logits(net: nn.Module, canon: torch.Tensor, device: torch.device, batch: int = 256) -> torch.Tensor:
    """[N, 8, 7] float32 logits of the 8 dihedral views of uint8 canonical images."""
    net.eval()
    out = torch.empty(len(canon), VIEWS, len(CLASSES))
    amp = device.type == "cuda"
    with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
        for s in range(0, len(canon), batch):
            x = model_input(canon[s : s + batch].to(device).float() / 255.0)
            for k in range(VIEWS):
                out[s : s + len(x), k] = net(dihedral(x, k).contiguous(memory_format=torch.channels_last)).float().cpu()
    return out


def train_full(backbone, canon_train, y_train, sample_w, canon_cal, y_cal, sources_cal, weights, seed, epochs, lr, device,
               score_fn, log, batch=64, time_budget=0.0, on_best=None, swa_from=0.0, on_swa=None):
    """Fine-tune the whole network. Each epoch visits every training image once in a fresh
    augmented view; inverse-frequency class weights times a per-source sample weight in the
    loss; AdamW (head at 3x the backbone's learning rate), one epoch of linear warm-up, then
    cosine. The epoch kept is the one with the best ``score_fn`` on the calibration split's
    8-view probabilities. ``time_budget`` (seconds, 0 = none) shortens the schedule after the
    second epoch if the requested epochs would not fit. ``on_best`` is called with each new best
    (state, epoch, calibration logits, history, planned epochs), so a run cut short keeps it.

    ``swa_from`` (a share of the planned epochs, 0 = off): the weights at the end of every epoch
    after that share are also averaged (stochastic weight averaging, Izmailov et al., UAI 2018:
    the mean of late weights sits in a flatter region and tends to generalise better than any
    one epoch); after training its BatchNorm statistics are recomputed on augmented training
    batches and ``on_swa`` gets (state, calibration logits, [first, last] epoch averaged,
    score). The average is scored on the same calibration split but is not a maximum over
    epochs, so it competes with the best epoch without that epoch's selection bonus.

    Returns (state_dict of the chosen epoch, its 1-based number, its calibration logits
    [N, 8, 7], history, the number of epochs trained)."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    net = classifier_of(backbone, seed).to(device).to(memory_format=torch.channels_last)
    params = [
        {"params": net.features.parameters(), "lr": lr},
        {"params": net.classifier.parameters(), "lr": lr * 3},
    ]
    opt = torch.optim.AdamW(params, weight_decay=1e-4)
    per_epoch = len(canon_train) // batch
    plan = {"epochs": epochs}
    warm = per_epoch

    def factor(k: int) -> float:
        steps = plan["epochs"] * per_epoch
        if k < warm:
            return (k + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (k - warm) / max(1, steps - warm))))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    g = torch.Generator().manual_seed(seed)
    banks = overlay_banks(512, canon_train.shape[-1], g, device)
    w_dev = weights.to(device)
    y_dev = y_train.to(device)
    sw_dev = sample_w.to(device)
    amp = device.type == "cuda"
    logw = torch.log(weights)
    best = (-1.0, None, -1, None)
    swa_sum, swa_epochs = None, []
    history = []
    t_start = time.time()
    ep = 0
    while ep < plan["epochs"]:
        t = time.time()
        net.train()
        perm = torch.randperm(len(canon_train), generator=g)
        total, seen = torch.zeros((), device=device), 0
        for s in range(per_epoch):
            b = perm[s * batch : (s + 1) * batch]
            x = training_view(canon_train, b, g, banks, device)
            bd = b.to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                logits = net(x)
            per = F.cross_entropy(logits.float(), y_dev[bd], weight=w_dev, reduction="none") * sw_dev[bd]
            loss = per.sum() / (w_dev[y_dev[bd]] * sw_dev[bd]).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.detach() * len(b)
            seen += len(b)
        total = float(total)
        lc = tta_logits(net, canon_cal, device)
        p = F.softmax(lc - logw, 2).mean(1).numpy()
        score, aucs, bal = score_fn(p, y_cal, sources_cal)
        took = time.time() - t
        history.append({
            "epoch": ep + 1,
            "train_loss": round(total / max(1, seen), 4),
            "calib_mel_auc_by_source": [round(a, 4) for a in aucs],
            "calib_balanced_accuracy": round(bal, 4),
            "score": round(score, 4),
            "seconds": round(took, 1),
        })
        log(f"seed {seed} epoch {ep + 1}/{plan['epochs']} ({took:.0f} s) loss {total / max(1, seen):.3f} "
            f"calib mel AUC by source {[round(a, 3) for a in aucs]} bal.acc {bal:.3f} score {score:.4f}")
        if score > best[0]:
            best = (score, {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}, ep, lc)
            if on_best:
                on_best(best[1], ep + 1, lc, history, plan["epochs"])
        if swa_from > 0 and ep + 1 > swa_from * plan["epochs"]:
            with torch.no_grad():
                cur = {k: v.detach().float() for k, v in net.state_dict().items() if v.is_floating_point()}
                swa_sum = cur if swa_sum is None else {k: swa_sum[k] + v for k, v in cur.items()}
            swa_epochs.append(ep + 1)
        # The second epoch's time (the first includes cuDNN's autotuning) sizes the schedule;
        # the weight average's BatchNorm pass and scoring cost about one more epoch.
        if ep == 1 and time_budget > 0:
            reserve = took if swa_from > 0 else 0.0
            fits = max(3, int((time_budget - reserve - (time.time() - t_start)) // took) + 2)
            if fits < plan["epochs"]:
                log(f"seed {seed}: {plan['epochs']} epochs would not fit {time_budget:.0f} s at {took:.0f} s each; training {fits}")
                plan["epochs"] = fits
        ep += 1
    log(f"seed {seed}: chose epoch {best[2] + 1} (calibration score {best[0]:.4f})")
    if swa_sum is not None and on_swa:
        with torch.no_grad():
            avg = {k: v / len(swa_epochs) for k, v in swa_sum.items()}
            net.load_state_dict({**net.state_dict(), **{k: v.to(net.state_dict()[k].dtype) for k, v in avg.items()}})
        recompute_batchnorm(net, canon_train, g, banks, batch, device)
        lc = tta_logits(net, canon_cal, device)
        score = score_fn(F.softmax(lc - logw, 2).mean(1).numpy(), y_cal, sources_cal)[0]
        log(f"seed {seed}: weight average of epochs {swa_epochs[0]}-{swa_epochs[-1]}: calibration score {score:.4f}")
        on_swa({k: v.detach().cpu().clone() for k, v in net.state_dict().items()}, lc, [swa_epochs[0], swa_epochs[-1]], score)
    return best[1], best[2] + 1, best[3], history, plan["epochs"]


def recompute_batchnorm(net: nn.Module, canon_train: torch.Tensor, g: torch.Generator, banks: Overlays, batch: int,
                        device: torch.device) -> None:
    """BatchNorm running statistics of averaged weights, from one pass over the training images
    in augmented views (the statistics of the averaged epochs belong to other weights)."""
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # a cumulative mean over the pass
    net.train()
    amp = device.type == "cuda"
    perm = torch.randperm(len(canon_train), generator=g)
    with torch.no_grad():
        for s in range(0, len(perm) - batch + 1, batch):
            b = perm[s : s + batch]
            x = training_view(canon_train, b, g, banks, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                net(x)
    for m in bns:
        m.momentum = 0.1
    net.eval()


class Ensemble(nn.Module):
    """The exported network: one or more fine-tuned MobileNetV2s whose logits (corrected for
    the class weights) are averaged."""

    def __init__(self, nets: list[nn.Module], logw: torch.Tensor) -> None:
        super().__init__()
        self.nets = nn.ModuleList(n.eval() for n in nets)
        self.register_buffer("logw", logw.clone())

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.stack([net(image) for net in self.nets]).mean(0) - self.logw


def net_from_state(backbone: torchvision.models.MobileNetV2, state: dict) -> torchvision.models.MobileNetV2:
    net = classifier_of(backbone, 0)
    net.load_state_dict(state)
    return net.eval()


def default_workers() -> int:
    return max(1, min(8, (os.cpu_count() or 2) - 1))
