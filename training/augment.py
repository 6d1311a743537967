"""Training-time augmentations for the shifts that real clinics bring: a different dermoscope
(colour cast, illumination, vignette), a different distance (scale), a rotated hand,
focus (blur), low-resolution sensors, and hair. Applied to canonical [B, 3, H, W] images in
[0, 1] *before* colour constancy, exactly where the deployed pipeline would meet them.

All randomness comes from the (CPU) torch.Generator passed in, so a seed reproduces the views.
``augment`` works on CPU tensors; ``augment_batched`` (below, for the full recipe) takes
images on any device: its random draws stay on the CPU generator and only their results move.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _u(g: torch.Generator, lo: float, hi: float, n: int = 1) -> torch.Tensor:
    return torch.rand(n, generator=g) * (hi - lo) + lo


def geometric(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Any rotation (lesions have no 'up'), a flip, zoom 0.8-1.25, a small shift."""
    b = x.shape[0]
    ang = _u(g, 0, 2 * math.pi, b)
    scale = torch.exp(_u(g, math.log(0.8), math.log(1.25), b))
    flip = torch.where(torch.rand(b, generator=g) < 0.5, -1.0, 1.0)
    tx, ty = _u(g, -0.06, 0.06, b), _u(g, -0.06, 0.06, b)
    cos, sin = torch.cos(ang) / scale, torch.sin(ang) / scale
    theta = torch.stack(
        [torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1
    )
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def photometric(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Brightness, contrast, saturation, a per-channel colour cast and gamma."""
    b = x.shape[0]
    bright = _u(g, 0.7, 1.3, b).view(b, 1, 1, 1)
    contrast = _u(g, 0.75, 1.3, b).view(b, 1, 1, 1)
    sat = _u(g, 0.7, 1.3, b).view(b, 1, 1, 1)
    cast = _u(g, 0.85, 1.15, b * 3).view(b, 3, 1, 1)
    gamma = torch.exp(_u(g, math.log(0.8), math.log(1.25), b)).view(b, 1, 1, 1)
    bright, contrast, sat, cast, gamma = (t.to(x.device) for t in (bright, contrast, sat, cast, gamma))
    x = x * bright * cast
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * contrast + mean
    gray = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = gray + (x - gray) * sat
    return x.clamp(1e-4, 1.0).pow(gamma)


def blur_or_lowres(x: torch.Tensor, g: torch.Generator, p: float = 0.35) -> torch.Tensor:
    """Out-of-focus (Gaussian blur, sigma 0.6-2.2 px) or a low-resolution sensor
    (down to 35-75 % and back up)."""
    out = x.clone()
    size = x.shape[-1]
    for i in range(x.shape[0]):
        r = float(torch.rand(1, generator=g))
        if r < p / 2:
            sigma = float(_u(g, 0.6, 2.2))
            k = torch.arange(-4, 5, dtype=torch.float32)
            w = torch.exp(-(k**2) / (2 * sigma * sigma))
            w = w / w.sum()
            img = x[i : i + 1]
            img = F.conv2d(F.pad(img, (4, 4, 0, 0), mode="reflect"), w.view(1, 1, 1, 9).repeat(3, 1, 1, 1), groups=3)
            img = F.conv2d(F.pad(img, (0, 0, 4, 4), mode="reflect"), w.view(1, 1, 9, 1).repeat(3, 1, 1, 1), groups=3)
            out[i] = img[0]
        elif r < p:
            s = max(32, int(size * float(_u(g, 0.35, 0.75))))
            small = F.interpolate(x[i : i + 1], size=(s, s), mode="bilinear", align_corners=False, antialias=True)
            out[i] = F.interpolate(small, size=(size, size), mode="bilinear", align_corners=False)[0]
    return out


def hair(x: torch.Tensor, g: torch.Generator, p: float = 0.35) -> torch.Tensor:
    """Synthetic hairs: 1-12 dark quadratic Bezier curves, 1-2 px wide."""
    out = x.clone()
    size = x.shape[-1]
    t = torch.linspace(0, 1, 2 * size).view(-1, 1)
    for i in range(x.shape[0]):
        if float(torch.rand(1, generator=g)) >= p:
            continue
        n = int(torch.randint(1, 13, (1,), generator=g))
        for _ in range(n):
            pts = torch.rand(3, 2, generator=g) * size * 1.4 - size * 0.2
            curve = (1 - t) ** 2 * pts[0] + 2 * (1 - t) * t * pts[1] + t**2 * pts[2]
            width = int(torch.randint(1, 3, (1,), generator=g))
            colour = torch.tensor([0.08, 0.06, 0.05]) + torch.rand(1, generator=g) * 0.25
            for dy in range(width):
                for dx in range(width):
                    xs = (curve[:, 0] + dx).long()
                    ys = (curve[:, 1] + dy).long()
                    keep = (xs >= 0) & (xs < size) & (ys >= 0) & (ys < size)
                    out[i, :, ys[keep], xs[keep]] = colour.view(3, 1)
    return out


def _radial_distance(h: int, w: int, device: torch.device) -> torch.Tensor:
    """[h, w] distance of each pixel from the centre, 1 at the middle of each edge."""
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, h, device=device), torch.linspace(-1, 1, w, device=device), indexing="ij")
    return torch.sqrt(xx**2 + yy**2)


def vignette(x: torch.Tensor, g: torch.Generator, p: float = 0.3) -> torch.Tensor:
    """The dark round field of a contact dermoscope, applied to every class so that
    'vignette means benign' (HAM10000's follow-up nevi) stops paying."""
    b, _, h, w = x.shape
    dist = _radial_distance(h, w, x.device)
    out = x.clone()
    for i in range(b):
        if float(torch.rand(1, generator=g)) >= p:
            continue
        radius = float(_u(g, 0.85, 1.35))
        soft = float(_u(g, 0.02, 0.12))
        mask = torch.sigmoid((radius - dist) / soft)
        out[i] = x[i] * mask
    return out


def augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """One random view of a batch of canonical images."""
    x = geometric(x, g)
    x = photometric(x, g)
    x = blur_or_lowres(x, g)
    x = hair(x, g)
    x = vignette(x, g)
    if float(torch.rand(1, generator=g)) < 0.3:
        x = x + torch.randn(x.shape, generator=g) * 0.01
    return x.clamp(0.0, 1.0)


AUGMENTATIONS = [
    "rotation 0-360 deg, horizontal flip, zoom 0.8-1.25, shift up to 6 %",
    "brightness 0.7-1.3, contrast 0.75-1.3, saturation 0.7-1.3, per-channel colour cast 0.85-1.15, gamma 0.8-1.25",
    "Gaussian blur sigma 0.6-2.2 px or low-resolution down/up-sampling to 35-75 % (p = 0.35)",
    "synthetic hair: 1-12 dark Bezier curves (p = 0.35)",
    "dermoscope vignette, all classes (p = 0.3)",
    "sensor noise sigma 0.01 (p = 0.3)",
]


# ----------------------------------------------------------------------------- batched (GPU)
# The same shifts with the per-image Python loops replaced by whole-batch tensor operations, for
# the full recipe on a GPU (the loops above cost ~0.4 s a batch there and starved the GPU).
# Differences, all within the ranges above: one low-resolution scale per batch instead of one
# per image, and hairs drawn from a bank of pre-rendered hair layers instead of per image.


BATCHED_NOTE = (
    "full recipe on the GPU: the same augmentations vectorised per batch, with one low-resolution scale per batch "
    "and hairs drawn from a bank of 512 pre-rendered hair layers"
)


def hair_bank(n: int, size: int, g: torch.Generator, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` hair layers rendered once by ``hair`` (p = 1): a mask [n, 1, size, size] and the
    hair colour [n, 3, size, size] (float16), on ``device``."""
    blank = torch.full((n, 3, size, size), -1.0)
    drawn = torch.cat([hair(blank[s : s + 64], g, p=1.0) for s in range(0, n, 64)])
    mask = drawn[:, :1] >= 0
    return mask.to(device), drawn.clamp(min=0).half().to(device)


def augment_batched(x: torch.Tensor, g: torch.Generator, bank: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """One random view of a batch, as ``augment`` but vectorised (see the note above)."""
    b, _, h, w = x.shape
    dev = x.device
    x = photometric(geometric(x, g), g)
    r = torch.rand(b, generator=g)
    blur, low = r < 0.35 / 2, (r >= 0.35 / 2) & (r < 0.35)
    if bool(blur.any()):
        sigma = _u(g, 0.6, 2.2, b).view(b, 1)
        k = torch.arange(-4, 5, dtype=torch.float32).view(1, 9)
        kern = torch.exp(-(k**2) / (2 * sigma * sigma))
        kern = kern / kern.sum(1, keepdim=True)
        kern[~blur] = (k == 0).float()  # identity for the images not blurred
        kern = kern.repeat_interleave(3, 0).to(dev)
        flat = x.reshape(1, b * 3, h, w)
        flat = F.conv2d(F.pad(flat, (4, 4, 0, 0), mode="reflect"), kern.view(b * 3, 1, 1, 9), groups=b * 3)
        flat = F.conv2d(F.pad(flat, (0, 0, 4, 4), mode="reflect"), kern.view(b * 3, 1, 9, 1), groups=b * 3)
        x = flat.view(b, 3, h, w)
    if bool(low.any()):
        s = max(32, int(w * float(_u(g, 0.35, 0.75))))
        idx = low.nonzero().squeeze(1).to(dev)
        small = F.interpolate(x[idx], size=(s, s), mode="bilinear", align_corners=False, antialias=True)
        x = x.index_copy(0, idx, F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False))
    hairy = (torch.rand(b, generator=g) < 0.35).nonzero().squeeze(1)
    if len(hairy):
        pick = torch.randint(0, len(bank[0]), (len(hairy),), generator=g).to(dev)
        hairy = hairy.to(dev)
        x = x.index_copy(0, hairy, torch.where(bank[0][pick], bank[1][pick].float(), x[hairy]))
    on = (torch.rand(b, generator=g) < 0.3).to(dev)
    radius = _u(g, 0.85, 1.35, b).to(dev).view(b, 1, 1)
    soft = _u(g, 0.02, 0.12, b).to(dev).view(b, 1, 1)
    mask = torch.sigmoid((radius - _radial_distance(h, w, dev)) / soft)
    x = x * torch.where(on.view(b, 1, 1), mask, torch.ones_like(mask))[:, None]
    if float(torch.rand(1, generator=g)) < 0.3:
        # Normals drawn on the CPU and copied would dominate a GPU step: a device generator seeded from g.
        dg = torch.Generator(device=dev).manual_seed(int(torch.randint(0, 2**62, (1,), generator=g)))
        x = x + torch.randn(x.shape, generator=dg, device=dev) * 0.01
    return x.clamp(0.0, 1.0)
