"""Training-time augmentations for the shifts that real clinics bring: a different dermoscope
(colour cast, illumination, vignette), a different distance (scale), a rotated hand,
focus (blur), low-resolution sensors, hair, and the things clinics put on or beside the skin
(surgical-marker ink, a paper ruler). Applied to canonical [B, 3, H, W] images in [0, 1]
*before* colour constancy, exactly where the deployed pipeline would meet them.

Ink and rulers are drawn on every class alike: in the public sets they travel with the
diagnosis (marked lesions are the ones about to be excised), so a network left alone learns
"ink means melanoma" (Winkler et al., JAMA Dermatol 2019;155:1135-41). Drawn on benign and
malignant images at the same rate, they stop predicting anything.

All randomness comes from the (CPU) torch.Generator passed in, so a seed reproduces the views.
``augment`` works on CPU tensors; ``augment_batched`` (below, for the full recipe) takes
images on any device: its random draws stay on the CPU generator and only their results move.
"""

from __future__ import annotations

import math
from typing import NamedTuple

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


def _hair_count(g: torch.Generator) -> int:
    """1-30 hairs, most pictures few (median 8): 1 + floor(30 u^2)."""
    return 1 + int(30 * float(torch.rand(1, generator=g)) ** 2)


def _stamp(img: torch.Tensor, xs: torch.Tensor, ys: torch.Tensor, width: int, colour: torch.Tensor, alpha: float = 1.0) -> None:
    """Paint a ``width`` x ``width`` square at each point (xs, ys) of a [3, H, W] image in place,
    blended at ``alpha``; points outside the image are skipped."""
    h, w = img.shape[-2:]
    hit = torch.zeros(h, w, dtype=torch.bool)
    for dy in range(width):
        for dx in range(width):
            cx, cy = (xs + dx).long(), (ys + dy).long()
            keep = (cx >= 0) & (cx < w) & (cy >= 0) & (cy < h)
            hit[cy[keep], cx[keep]] = True
    img[:, hit] = img[:, hit] * (1 - alpha) + colour.view(3, 1) * alpha


def hair(x: torch.Tensor, g: torch.Generator, p: float = 0.35) -> torch.Tensor:
    """Synthetic hairs: 1-30 dark quadratic Bezier curves (median 8), 1-2 px wide."""
    out = x.clone()
    size = x.shape[-1]
    t = torch.linspace(0, 1, 2 * size).view(-1, 1)
    for i in range(x.shape[0]):
        if float(torch.rand(1, generator=g)) >= p:
            continue
        for _ in range(_hair_count(g)):
            pts = torch.rand(3, 2, generator=g) * size * 1.4 - size * 0.2
            curve = (1 - t) ** 2 * pts[0] + 2 * (1 - t) * t * pts[1] + t**2 * pts[2]
            width = int(torch.randint(1, 3, (1,), generator=g))
            colour = torch.tensor([0.08, 0.06, 0.05]) + torch.rand(1, generator=g) * 0.25
            _stamp(out[i], curve[:, 0], curve[:, 1], width, colour)
    return out


# Surgical skin markers: gentian violet, a blue and a black pen (sRGB in [0, 1]).
_INK = torch.tensor([[0.41, 0.22, 0.59], [0.20, 0.28, 0.62], [0.10, 0.10, 0.12]])


def ink(x: torch.Tensor, g: torch.Generator, p: float = 0.15) -> torch.Tensor:
    """Skin-marker ink around the lesion: 1-6 arcs (short ones read as dots and dashes) on a
    circle of radius 0.3-0.48 x the side near the centre, 1.5-4 % of the side wide, violet,
    blue or black, translucent (alpha 0.55-0.9) as ink on skin is."""
    out = x.clone()
    size = x.shape[-1]
    s = torch.linspace(0, 1, 4 * size)
    for i in range(x.shape[0]):
        if float(torch.rand(1, generator=g)) >= p:
            continue
        centre = size * (0.5 + _u(g, -0.1, 0.1, 2))
        radius = size * float(_u(g, 0.3, 0.48))
        colour = (_INK[int(torch.randint(0, len(_INK), (1,), generator=g))] * _u(g, 0.85, 1.15)).clamp(0, 1)
        width = max(1, round(size * float(_u(g, 0.015, 0.04))))
        alpha = float(_u(g, 0.55, 0.9))
        arcs = int(torch.randint(1, 7, (1,), generator=g))
        ang = torch.cat([float(_u(g, 0, 2 * math.pi)) + s * float(_u(g, math.radians(8), math.radians(120))) for _ in range(arcs)])
        # One stroke for all arcs: where they cross, the ink is one layer, not two.
        _stamp(out[i], centre[0] + radius * torch.cos(ang) - width / 2, centre[1] + radius * torch.sin(ang) - width / 2, width, colour, alpha)
    return out


def ruler(x: torch.Tensor, g: torch.Generator, p: float = 0.1) -> torch.Tensor:
    """A paper ruler along one edge: an off-white band 8-15 % of the side deep with dark ticks
    every 2.5-5 % of the side, every fifth one longer (rulers travel with some sources' lesions
    and confounded Esteva et al.'s classifier, Nature 2017;542:115-8)."""
    out = x.clone()
    size = x.shape[-1]
    for i in range(x.shape[0]):
        if float(torch.rand(1, generator=g)) >= p:
            continue
        band = max(2, round(size * float(_u(g, 0.08, 0.15))))
        paper = (torch.tensor([0.93, 0.91, 0.86]) * _u(g, 0.85, 1.05)).clamp(0, 1)
        step = max(3, round(size * float(_u(g, 0.025, 0.05))))
        ink_ = torch.full((3,), float(_u(g, 0.05, 0.25)))
        layer = paper.view(3, 1, 1).repeat(1, band, size)
        for k, pos in enumerate(range(int(torch.randint(0, step, (1,), generator=g)), size, step)):
            layer[:, : round(band * (0.6 if k % 5 == 0 else 0.3)), pos] = ink_.view(3, 1)
        # Laid along the bottom with its ticks on the inner edge; quarter turns take it to any edge.
        edge = int(torch.randint(0, 4, (1,), generator=g))
        img = torch.rot90(out[i], -edge, dims=(-2, -1)).clone()
        img[:, size - band :, :] = layer
        out[i] = torch.rot90(img, edge, dims=(-2, -1))
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
    """One random view of a batch of canonical images. Ink and rulers are on the skin, so they
    turn, zoom and take the light's colour with it: drawn first."""
    x = ruler(ink(x, g), g)
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
    "skin-marker ink on every class: 1-6 violet, blue or black arcs around the centre (p = 0.15)",
    "paper ruler with ticks along one edge, every class (p = 0.1)",
    "synthetic hair: 1-30 dark Bezier curves, median 8 (p = 0.35)",
    "dermoscope vignette, all classes (p = 0.3)",
    "sensor noise sigma 0.01 (p = 0.3)",
]


# ----------------------------------------------------------------------------- batched (GPU)
# The same shifts with the per-image Python loops replaced by whole-batch tensor operations, for
# the full recipe on a GPU (the loops above cost ~0.4 s a batch there and starved the GPU).
# Differences, all within the ranges above: one low-resolution scale per batch instead of one
# per image, and hair, ink and rulers drawn from banks of pre-rendered layers instead of per image.


BATCHED_NOTE = (
    "full recipe on the GPU: the same augmentations vectorised per batch, with one low-resolution scale per batch "
    "and hair, ink and rulers drawn from banks of 512 pre-rendered layers each"
)


class Layers(NamedTuple):
    """Pre-rendered overlays: opacity [n, 1, s, s] and colour times opacity [n, 3, s, s]
    (float16), so that an image under layer k is ``x * (1 - alpha[k]) + colour[k]``."""

    alpha: torch.Tensor
    colour: torch.Tensor


class Overlays(NamedTuple):
    hair: Layers
    ink: Layers
    ruler: Layers


def layer_bank(draw, n: int, size: int, g: torch.Generator, device: torch.device) -> Layers:
    """``n`` layers rendered once by ``draw(x, g, p=1)``. Each is drawn twice from the same random
    state, on black and on white: on black the result is alpha x colour, on white it is
    alpha x colour + 1 - alpha, which gives both without the drawing code knowing about layers."""

    def render(fill: float) -> torch.Tensor:
        return torch.cat([draw(torch.full((min(64, n - s), 3, size, size), fill), g, p=1.0) for s in range(0, n, 64)])

    state = g.get_state()
    on_black = render(0.0)
    g.set_state(state)
    on_white = render(1.0)
    alpha = (1.0 - (on_white - on_black)).mean(1, keepdim=True).clamp(0.0, 1.0)
    return Layers(alpha.half().to(device), on_black.half().to(device))


def overlay_banks(n: int, size: int, g: torch.Generator, device: torch.device) -> Overlays:
    return Overlays(*(layer_bank(draw, n, size, g, device) for draw in (hair, ink, ruler)))


def _lay_over(x: torch.Tensor, g: torch.Generator, layers: Layers, p: float) -> torch.Tensor:
    """A random layer over each image with probability ``p``."""
    chosen = (torch.rand(x.shape[0], generator=g) < p).nonzero().squeeze(1)
    if not len(chosen):
        return x
    pick = torch.randint(0, len(layers.alpha), (len(chosen),), generator=g).to(x.device)
    chosen = chosen.to(x.device)
    alpha, colour = layers.alpha[pick].float(), layers.colour[pick].float()
    return x.index_copy(0, chosen, x[chosen] * (1.0 - alpha) + colour)


def augment_batched(x: torch.Tensor, g: torch.Generator, banks: Overlays) -> torch.Tensor:
    """One random view of a batch, as ``augment`` but vectorised (see the note above)."""
    b, _, h, w = x.shape
    dev = x.device
    x = _lay_over(_lay_over(x, g, banks.ink, 0.15), g, banks.ruler, 0.1)
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
    x = _lay_over(x, g, banks.hair, 0.35)
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
