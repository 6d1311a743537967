"""Copies of the lesion model's test split as other clinics' devices would have taken them.

The model will meet dermoscopy from clinics and devices that are not in its training data.
This script cannot supply such data, but it can ask the nearest answerable question: how do
the quality gate and the model behave when the *same* test lesions arrive with the changes a
different device or setting brings (a round contact field, a phone attachment that fills
only part of the frame, a high-resolution camera with heavy JPEG, colour casts, exposure,
soft focus, a low-resolution sensor)? Each shift is written as a folder in the
../shared/data/dermoscopy layout, so `wellage lesion evaluate --data <folder>` scores it
exactly as a clinic's own folder would be scored:

    /usr/bin/python3 training/acquisition_shift.py --data ../shared/data/dermoscopy/ham10000 \\
        --data ../shared/data/dermoscopy/isic2017-trainval --out data/shift
    for d in data/shift/*/; do npm run -s wellage -- lesion evaluate --data "$d" --json \\
        > "$d/report.json"; done
    /usr/bin/python3 training/acquisition_shift.py --summarise data/shift

The split is the trainer's (train_lesion.split_groups with --split-seed, default 1), so only
test-split lesions are used: never trained on, never used to choose an epoch or a threshold.
Every test melanoma is kept, with a seeded sample of the other test images (--others).
Deterministic: the same arguments write the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_lesion import read_folder, split_groups  # noqa: E402

JPEG_QUALITY = 95  # re-encoding of every shifted copy; 'hires-jpeg' uses its own, lower one


def circle_mask(w: int, h: int, diameter: float, soft: float = 3.0) -> Image.Image:
    """A centred disc (255 inside, 0 outside) with a few pixels of soft edge, as lenses give."""
    scale = 4  # drawn large and reduced, for an anti-aliased edge
    m = Image.new("L", (w * scale, h * scale), 0)
    r = diameter * scale / 2
    cx, cy = w * scale / 2, h * scale / 2
    ImageDraw.Draw(m).ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    return m.resize((w, h), Image.BOX).filter(ImageFilter.GaussianBlur(soft))


def on_black(img: Image.Image, mask: Image.Image) -> Image.Image:
    return Image.composite(img, Image.new("RGB", img.size, (0, 0, 0)), mask)


def gains(img: Image.Image, r: float, g: float, b: float) -> Image.Image:
    a = np.asarray(img, dtype=np.float32) * np.array([r, g, b], dtype=np.float32)
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8))


def exposure(img: Image.Image, k: float) -> Image.Image:
    """Scale the linear light by k (sRGB decoded with gamma 2.2), as a camera's exposure does."""
    a = (np.asarray(img, dtype=np.float32) / 255.0) ** 2.2 * k
    return Image.fromarray(np.clip(np.rint(np.clip(a, 0, 1) ** (1 / 2.2) * 255), 0, 255).astype(np.uint8))


def circle_fov(img: Image.Image) -> Image.Image:
    """A contact dermatoscope's round field: black outside the disc inscribed in the frame."""
    return on_black(img, circle_mask(img.width, img.height, min(img.size)))


def phone_attachment(img: Image.Image) -> Image.Image:
    """A phone-mounted dermatoscope: the round field fills about 55 % of the shorter side of
    a black frame, at the same pixel density (the lesion is smaller in the model's input)."""
    d = min(img.size)
    field = on_black(img, circle_mask(img.width, img.height, d))
    w, h = round(img.width / 0.55), round(img.height / 0.55)
    canvas = Image.new("RGB", (w, h), (0, 0, 0))
    canvas.paste(field, ((w - img.width) // 2, (h - img.height) // 2))
    return canvas


def hires_jpeg(img: Image.Image) -> Image.Image:
    """A high-resolution camera (4x the pixels per side) saved with heavy JPEG compression."""
    big = img.resize((img.width * 4, img.height * 4), Image.BICUBIC)
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=60)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def low_res(img: Image.Image) -> Image.Image:
    """A low-resolution sensor: shorter side 120 px (the gate's least is 112)."""
    k = 120 / min(img.size)
    return img.resize((max(1, round(img.width * k)), max(1, round(img.height * k))), Image.BOX) if k < 1 else img


def ink_marks(img: Image.Image) -> Image.Image:
    """A surgical skin marker's violet ring around the lesion, drawn before an excision:
    known to raise a CNN's melanoma scores on benign lesions (Winkler et al., JAMA Dermatol
    2019;155:1135-41). Three arcs on a circle of radius 0.42 x the shorter side."""
    w, h = img.size
    r = 0.42 * min(w, h)
    width = max(2, round(0.025 * min(w, h)))
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    box = (w / 2 - r, h / 2 - r, w / 2 + r, h / 2 + r)
    for start in (10, 130, 250):
        draw.arc(box, start, start + 80, fill=(105, 55, 150, 200), width=width)
    return Image.alpha_composite(img.convert("RGBA"), layer.filter(ImageFilter.GaussianBlur(0.8))).convert("RGB")


def ruler(img: Image.Image) -> Image.Image:
    """A paper ruler along the bottom edge (12 % of the height) with millimetre ticks, as
    clinics photograph for scale (rulers were among the confounders of Esteva et al.'s
    classifier, Nature 2017)."""
    w, h = img.size
    out = img.copy()
    draw = ImageDraw.Draw(out)
    band = round(0.12 * h)
    draw.rectangle((0, h - band, w, h), fill=(236, 232, 222))
    step = max(4, round(w / 40))
    for i, x in enumerate(range(step // 2, w, step)):
        draw.line((x, h - band, x, h - band + (band * 0.6 if i % 5 == 0 else band * 0.3)), fill=(30, 30, 30), width=1)
    return out


def hairs(n: int):
    """A hairy site: n dark hairs (quadratic Bezier curves, 1-2 px) across the picture; the
    shipped 3.0.0 model was trained with 1-12 (augment.hair now draws up to 30). Seeded by
    the pixels, so repeatable."""

    def draw_hairs(img: Image.Image) -> Image.Image:
        a = np.asarray(img)
        rng = np.random.default_rng(int(a.sum(dtype=np.int64)) % (2**32))
        out = img.copy()
        draw = ImageDraw.Draw(out)
        w, h = img.size
        t = np.linspace(0, 1, 60)[:, None]
        for _ in range(n):
            pts = rng.random((3, 2)) * np.array([w, h]) * 1.4 - np.array([w, h]) * 0.2
            curve = (1 - t) ** 2 * pts[0] + 2 * (1 - t) * t * pts[1] + t**2 * pts[2]
            shade = int(20 + rng.random() * 50)
            draw.line([tuple(p) for p in curve], fill=(shade, int(shade * 0.8), int(shade * 0.7)), width=int(rng.integers(1, 3)))
        return out

    return draw_hairs


# name -> (what a clinic would recognise, the transform). 'original' is the unchanged bytes.
SHIFTS = {
    "original": ("the test images as they are", None),
    "circle-fov": ("round field of a contact dermatoscope, black outside", circle_fov),
    "phone-attachment": ("phone attachment: round field in the middle 55 % of a black frame", phone_attachment),
    "hires-jpeg": ("4x the resolution, JPEG quality 60", hires_jpeg),
    "low-res": ("low-resolution sensor, shorter side 120 px", low_res),
    "cool-light": ("bluish light: R x0.85, B x1.15", lambda im: gains(im, 0.85, 0.97, 1.15)),
    "warm-light": ("yellowish light: R x1.12, B x0.82", lambda im: gains(im, 1.12, 1.0, 0.82)),
    "darker": ("one stop under-exposed (linear light x0.5)", lambda im: exposure(im, 0.5)),
    "brighter": ("half a stop over-exposed (linear light x1.4)", lambda im: exposure(im, 1.4)),
    "ink-marks": ("violet skin-marker arcs around the lesion", ink_marks),
    "ruler": ("a paper ruler along the bottom edge", ruler),
    "hair-8": ("some hair: 8 dark hairs across the picture (within the 1-12 that 3.0.0 was trained with)", hairs(8)),
    "hair-25": ("a very hairy site: 25 dark hairs across the picture", hairs(25)),
    "soft-focus": ("slightly out of focus (Gaussian blur, sigma 1 px)", lambda im: im.filter(ImageFilter.GaussianBlur(1.0))),
}


def test_records(data: list[str], split_seed: int, others: int, seed: int):
    records = [r for folder in data for r in read_folder(folder)]
    assign = split_groups(records, split_seed)
    test = [r for r in records if assign[r.group] == "test" and not r.sticker and os.path.exists(r.path)]
    mel = [r for r in test if r.dx == "mel"]
    rest = [r for r in test if r.dx != "mel"]
    rng = np.random.default_rng(seed)
    keep = sorted(rng.choice(len(rest), size=min(others, len(rest)), replace=False).tolist())
    return sorted(mel + [rest[i] for i in keep], key=lambda r: (r.source, r.image_id))


def write_shift(name: str, transform, records, out: str) -> None:
    folder = os.path.join(out, name)
    os.makedirs(os.path.join(folder, "images"), exist_ok=True)
    with open(os.path.join(folder, "labels.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image_id", "lesion_id", "dx", "dx_type", "age", "sex", "localization", "source"])
        for r in records:
            w.writerow([r.image_id, r.group, r.dx, r.dx_type, "" if r.age is None else r.age, r.sex, r.site, r.source])
    for i, r in enumerate(records):
        dst = os.path.join(folder, "images", r.image_id + ".jpg")
        if transform is None:
            with open(r.path, "rb") as src, open(dst, "wb") as o:
                o.write(src.read())
        else:
            img = transform(Image.open(r.path).convert("RGB"))
            img.save(dst, "JPEG", quality=JPEG_QUALITY)
        if (i + 1) % 200 == 0 or i + 1 == len(records):
            print(f"  {name}: {i + 1}/{len(records)}", flush=True)
    with open(os.path.join(folder, "SHIFT.md"), "w") as f:
        f.write(f"# {name}\n\n{SHIFTS[name][0]}. Made by training/acquisition_shift.py from the lesion model's test split; "
                "derived from HAM10000 (CC BY-NC 4.0) and ISIC 2017 (CC BY-NC): not for commercial use, never to be committed.\n")


def summarise(out: str) -> None:
    """One table row per shift from the report.json files `lesion evaluate --json` wrote."""
    rows = []
    for name in SHIFTS:
        p = os.path.join(out, name, "report.json")
        if not os.path.exists(p) or os.path.getsize(p) == 0:
            continue  # not scored yet, or still being written
        with open(p) as f:
            rep = json.load(f)
        im = rep["images"]
        m = rep["metrics"]
        auc = lambda s: (s or {}).get("melanoma_auc") or {}  # noqa: E731
        ref = (m["overall"].get("operating_points") or {}).get("refer") or {}
        src = {k: auc(v).get("value") for k, v in m["by_source"].items()}
        rows.append((name, im["listed"], im["rejected"], json.dumps(im["rejectedByReason"]), auc(m["overall"]).get("value"), auc(m["overall"]).get("ci95"), src, ref.get("sensitivity"), ref.get("specificity")))
    print("| shift | images | rejected by the gate | melanoma AUC (95 % CI) | HAM10000 / ISIC 2017 | refer: sensitivity / specificity |")
    print("|---|---|---|---|---|---|")
    for name, n, rej, why, a, ci, src, se, sp in rows:
        fmt = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
        cis = "" if not ci else f" ({ci[0]:.3f}-{ci[1]:.3f})"
        print(f"| {name} | {n} | {rej} {why if rej else ''} | {fmt(a)}{cis} | {fmt(src.get('ham10000'))} / {fmt(src.get('isic2017'))} | {fmt(se)} / {fmt(sp)} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", action="append", help="folder with images/ and labels.csv (repeatable; the trainer's folders)")
    ap.add_argument("--out", default="data/shift", help="where the shifted folders go (ignored by git)")
    ap.add_argument("--split-seed", type=int, default=1, help="the trainer's --split-seed")
    ap.add_argument("--others", type=int, default=400, help="non-melanoma test images kept (all test melanomas are)")
    ap.add_argument("--seed", type=int, default=1, help="seed of that sample")
    ap.add_argument("--only", default="", help="comma-separated shift names (default: all)")
    ap.add_argument("--summarise", metavar="DIR", default="", help="print the table from DIR/<shift>/report.json and stop")
    args = ap.parse_args()
    if args.summarise:
        summarise(args.summarise)
        return
    if not args.data:
        ap.error("--data is required (the folders the model was trained on)")
    names = [n for n in args.only.split(",") if n] or list(SHIFTS)
    unknown = [n for n in names if n not in SHIFTS]
    if unknown:
        ap.error(f"--only: unknown shift(s) {', '.join(unknown)}; known: {', '.join(SHIFTS)}")
    records = test_records(args.data, args.split_seed, args.others, args.seed)
    n_mel = sum(r.dx == "mel" for r in records)
    print(f"{len(records)} test images ({n_mel} melanomas) -> {args.out}", flush=True)
    for name in names:
        write_shift(name, SHIFTS[name][1], records, args.out)


if __name__ == "__main__":
    main()
