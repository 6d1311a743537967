"""The one preprocessing policy of the lesion model, shared by training, evaluation and the
fixtures that prove src/lesion/preprocess.ts computes the same tensor.

Every step is written out with plain arithmetic instead of a library resize so that the
TypeScript side can reproduce it exactly (PIL's and sharp's resize kernels differ):

1. decode to 8-bit sRGB, apply the EXIF orientation;
1b. when the picture is a dermatoscope's round field on a black frame that the field fills
   only part of (a phone attachment, a camera adapter), crop to the field's bounding box
   (``field_of_view``); on every image of the training data this changes nothing or almost
   nothing, and it keeps the lesion at the scale the model learned;
2. crop the central square (side = the shorter side, offset floor((long - short) / 2));
3. if that square is at least twice the target, average k x k pixel blocks first
   (k = side // 224), which bounds aliasing on large photos;
4. bilinear resize to 224 x 224 with half-pixel centres (torch ``align_corners=False``,
   no antialias; source coordinates below 0 are clamped to 0);
5. scale to [0, 1], then Shades-of-Gray colour constancy (Minkowski p = 6; Finlayson &
   Trezzi 2004, used for dermoscopy by Barata et al., IEEE JBHI 2015): each channel is
   divided by its p-norm illuminant estimate, normalised so the estimates have unit mean
   square, then clipped to [0, 1];
6. normalise with the ImageNet mean and std the pretrained MobileNetV2 expects.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps

SIZE = 224
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
CC_P = 6.0
CLASSES = ("mel", "nv", "bcc", "akiec", "bkl", "df", "vasc")
MALIGNANT = ("mel", "bcc", "akiec")

def load_rgb(path: str) -> np.ndarray:
    """Decode an image file to an H x W x 3 uint8 array, EXIF orientation applied."""
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()

# Step 1b. A pixel is dark when its Rec. 709 luma (integer weights / 10000) is below
# FOV_DARK; a row or column belongs to the field when at least 1/FOV_LINE_SHARE of it is
# not dark (so JPEG noise and a few letters in the black frame do not count). The crop is
# taken only when the field misses at least 10 % of the frame's width or height and is
# not tiny (its shorter side at least 30 % of the frame's): a nearly black photograph is
# the quality gate's to refuse, not ours to zoom into.
FOV_DARK = 24
FOV_LINE_SHARE = 25  # 4 %
FOV_MIN_MISSING = 0.10
FOV_MIN_FIELD = 0.30

def field_of_view(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """Step 1b: (top, left, height, width) of the dermatoscope's field, or None when the
    whole frame is kept. Integer arithmetic, so src/lesion/field-of-view.ts finds the
    same box."""
    h, w = rgb.shape[:2]
    px = rgb.astype(np.int64)
    lit = (px[..., 0] * 2126 + px[..., 1] * 7152 + px[..., 2] * 722) >= FOV_DARK * 10000
    rows = np.nonzero(lit.sum(axis=1) * FOV_LINE_SHARE >= w)[0]
    cols = np.nonzero(lit.sum(axis=0) * FOV_LINE_SHARE >= h)[0]
    if rows.size == 0 or cols.size == 0:
        return None
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    fh, fw = bottom - top, right - left
    if fh > (1 - FOV_MIN_MISSING) * h and fw > (1 - FOV_MIN_MISSING) * w:
        return None
    if min(fh, fw) < FOV_MIN_FIELD * min(h, w):
        return None
    return top, left, fh, fw

def crop_to_field(rgb: np.ndarray) -> np.ndarray:
    box = field_of_view(rgb)
    if box is None:
        return rgb
    top, left, fh, fw = box
    return rgb[top : top + fh, left : left + fw]

def canonical(rgb: np.ndarray) -> torch.Tensor:
    """Steps 1b-4: field of view, centre square, optional box pre-shrink, bilinear to SIZE.
    Returns float32 [3, SIZE, SIZE] in [0, 1]."""
    rgb = crop_to_field(rgb)
    h, w = rgb.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    sq = rgb[top : top + side, left : left + side].astype(np.float32)
    k = side // SIZE
    if k >= 2:
        n = side // k
        sq = sq[: n * k, : n * k].reshape(n, k, n, k, 3).mean(axis=(1, 3), dtype=np.float64).astype(np.float32)
    x = torch.from_numpy(np.ascontiguousarray(sq)).permute(2, 0, 1)[None]
    x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
    return (x[0] / 255.0).clamp(0.0, 1.0)

def colour_constancy(x: torch.Tensor) -> torch.Tensor:
    """Step 5 on [..., 3, H, W] in [0, 1]."""
    e = x.clamp(min=0).double().pow(CC_P).mean(dim=(-2, -1)).pow(1.0 / CC_P)  # [..., 3]
    e = e.clamp(min=1e-6)
    e = e / e.pow(2).mean(dim=-1, keepdim=True).sqrt()
    return (x / e[..., None, None].float()).clamp(0.0, 1.0)

_MEAN = torch.tensor(MEAN).view(3, 1, 1)
_STD = torch.tensor(STD).view(3, 1, 1)

def normalise(x: torch.Tensor) -> torch.Tensor:
    """Step 6 (on the tensor's own device)."""
    return (x - _MEAN.to(x.device)) / _STD.to(x.device)


def colour_constancy_fast(x: torch.Tensor) -> torch.Tensor:
    """Step 5 in float32 with x^6 as products, on any device: about 1e-6 from the float64
    policy. For training batches only; evaluation, the export check and the fixtures use
    ``colour_constancy`` itself."""
    x2 = x.clamp(min=0) * x.clamp(min=0)
    e = (x2 * x2 * x2).mean(dim=(-2, -1)).pow(1.0 / CC_P).clamp(min=1e-6)
    e = e / e.pow(2).mean(dim=-1, keepdim=True).sqrt()
    return (x / e[..., None, None]).clamp(0.0, 1.0)

def preprocess_file(path: str) -> torch.Tensor:
    """The whole pipeline: file -> float32 [3, 224, 224] model input."""
    return normalise(colour_constancy(canonical(load_rgb(path))))

def description() -> dict:
    """The preprocessing section of the model card."""
    return {
        "decode": "8-bit sRGB, EXIF orientation applied, alpha dropped",
        "field_of_view": f"when a round field on a black frame (luma < {FOV_DARK}) misses >= {FOV_MIN_MISSING:.0%} of the frame's width or height: crop to its bounding box (rows and columns >= 1/{FOV_LINE_SHARE} lit)",
        "crop": "central square, side = shorter side, offset floor((long - short) / 2)",
        "box_downscale": f"when the square side >= {2 * SIZE}: mean of k x k blocks, k = floor(side / {SIZE})",
        "resize": {"size": SIZE, "kernel": "bilinear", "align_corners": False, "antialias": False},
        "colour_constancy": {"method": "shades-of-gray", "p": CC_P, "clip": [0, 1]},
        "scale": "1/255",
        "mean": list(MEAN),
        "std": list(STD),
        "layout": "NCHW float32, RGB",
        "source": "training/lesion_preprocess.py = src/lesion/preprocess.ts",
    }

