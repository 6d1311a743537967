"""The one preprocessing policy of the lesion model, shared by training, evaluation and the
fixtures that prove src/lesion/preprocess.ts computes the same tensor.

Every step is written out with plain arithmetic instead of a library resize so that the
TypeScript side can reproduce it exactly (PIL's and sharp's resize kernels differ):

1. decode to 8-bit sRGB, apply the EXIF orientation;
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

def canonical(rgb: np.ndarray) -> torch.Tensor:
    """Steps 2-4: centre square, optional box pre-shrink, bilinear to SIZE. Returns
    float32 [3, SIZE, SIZE] in [0, 1]."""
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

