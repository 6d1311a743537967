"""Parity fixtures for src/lesion: a few small test-split images and what Python computes for
them (a strided sample of the preprocessed tensor, per-channel means, and the exported
model's outputs). The TypeScript tests load the same files and must agree.
"""

from __future__ import annotations

import json
import os
import shutil

import torch
import torch.nn.functional as F
from PIL import Image

from lesion_preprocess import CLASSES, MALIGNANT, field_of_view, load_rgb, preprocess_file

STRIDE = 53  # a prime: the sample walks every channel, row and column phase
MAX_BYTES = 30 * 1024


def _pick(records, split, source: str, dx: str):
    return sorted((r for r, s in zip(records, split) if s == "test" and r.source == source and r.dx == dx), key=lambda r: r.image_id)[0]


def write_fixtures(outdir: str, records, split, model, temperature: float, thresholds: dict[str, float], repo: str) -> dict:
    os.makedirs(outdir, exist_ok=True)
    mel = _pick(records, split, "ham10000", "mel")
    nv = _pick(records, split, "ham10000", "nv")
    bcc = _pick(records, split, "ham10000", "bcc")
    sk = _pick(records, split, "isic2017", "bkl")
    files: list[tuple[str, str]] = []

    for name, rec in (("ham-mel.jpg", mel), ("ham-nv.jpg", nv), ("isic-bkl.jpg", sk)):
        shutil.copyfile(rec.path, os.path.join(outdir, name))
        files.append((name, f"{rec.source} {rec.image_id} ({rec.dx}), unchanged"))

    # A larger photo exercises the box pre-shrink (480 px square -> k = 2).
    big = Image.fromarray(load_rgb(bcc.path)).resize((640, 480), Image.BICUBIC)
    for q in (80, 70, 60, 50):
        big.save(os.path.join(outdir, "large-640x480.jpg"), quality=q)
        if os.path.getsize(os.path.join(outdir, "large-640x480.jpg")) <= MAX_BYTES:
            break
    files.append(("large-640x480.jpg", f"{bcc.source} {bcc.image_id} ({bcc.dx}) upscaled to 640x480 (bicubic)"))

    # Pixels stored turned 90 degrees counter-clockwise with EXIF Orientation 6: a decoder
    # that honours EXIF shows the original way up.
    stored = Image.fromarray(load_rgb(sk.path)).transpose(Image.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(os.path.join(outdir, "exif-orientation-6.jpg"), quality=90, exif=exif.tobytes())
    files.append(("exif-orientation-6.jpg", f"{sk.source} {sk.image_id} ({sk.dx}) stored rotated, EXIF Orientation 6"))

    entries = []
    for name, origin in files:
        path = os.path.join(outdir, name)
        assert os.path.getsize(path) <= MAX_BYTES, f"{name} is over 30 KB"
        x = preprocess_file(path)
        with torch.no_grad():
            logits = model(x[None])[0]
        probs = F.softmax(logits / temperature, 0)
        flat = x.flatten().numpy()
        p_mel = float(probs[0])
        p_mal = float(sum(probs[CLASSES.index(c)] for c in MALIGNANT))
        action = "refer" if p_mel >= thresholds["refer"] else "monitor" if p_mel >= thresholds["monitor"] else "benign-appearing"
        with Image.open(path) as im:
            size = im.size
        entries.append(
            {
                "file": name,
                "origin": origin,
                "width": size[0],
                "height": size[1],
                "channel_mean": [round(float(c), 6) for c in x.mean(dim=(1, 2))],
                "sample": [round(float(v), 5) for v in flat[::STRIDE]],
                "logits": [round(float(v), 5) for v in logits],
                "probabilities": [round(float(v), 6) for v in probs],
                "melanoma_probability": round(p_mel, 6),
                "malignant_probability": round(p_mal, 6),
                "action": action,
            }
        )
    rotated = preprocess_file(os.path.join(outdir, "exif-orientation-6.jpg"))
    upright = preprocess_file(os.path.join(outdir, "isic-bkl.jpg"))
    doc = {
        "about": "Written by training/train_lesion.py (fixtures.py). Python preprocessing of each fixture: every 53rd value of the flattened [3,224,224] tensor, the channel means, and the exported model's outputs with the card's temperature.",
        "sample_stride": STRIDE,
        "classes": list(CLASSES),
        "temperature": temperature,
        "thresholds": thresholds,
        "exif_vs_upright_mean_abs_difference": round(float((rotated - upright).abs().mean()), 5),
        "fixtures": entries,
    }
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    write_field_of_view_fixture(outdir)
    first = entries[0]
    return {
        "input": os.path.relpath(os.path.join(outdir, first["file"]), repo),
        "probabilities": dict(zip(CLASSES, first["probabilities"])),
        "melanoma_probability": first["melanoma_probability"],
        "action": first["action"],
        "tolerance": 1e-3,
    }


def write_field_of_view_fixture(outdir: str) -> None:
    """`field-of-view.jpg`: ham-nv.jpg as a phone-mounted dermatoscope would deliver it (its
    round field in the middle 55 % of a black frame; training/acquisition_shift.py), and in
    `field-of-view.json` what Python's step 1b finds and the whole preprocessing computes.
    Needs no model, so it can be rewritten on its own:
    `/usr/bin/python3 training/fixtures.py --field-of-view test/fixtures/lesion`."""
    from acquisition_shift import phone_attachment  # the trainer's split helpers load with it

    src = os.path.join(outdir, "ham-nv.jpg")
    path = os.path.join(outdir, "field-of-view.jpg")
    phone_attachment(Image.fromarray(load_rgb(src))).save(path, quality=90)
    assert os.path.getsize(path) <= MAX_BYTES, "field-of-view.jpg is over 30 KB"
    rgb = load_rgb(path)
    box = field_of_view(rgb)
    assert box is not None, "the phone-attachment fixture must have a field to crop"
    x = preprocess_file(path)
    doc = {
        "about": "Written by training/fixtures.py (write_field_of_view_fixture): ham-nv.jpg in a phone attachment's black frame; Python's field-of-view box and preprocessing.",
        "file": "field-of-view.jpg",
        "width": rgb.shape[1],
        "height": rgb.shape[0],
        "box": dict(zip(("top", "left", "height", "width"), box)),
        "sample_stride": STRIDE,
        "channel_mean": [round(float(c), 6) for c in x.mean(dim=(1, 2))],
        "sample": [round(float(v), 5) for v in x.flatten().numpy()[::STRIDE]],
    }
    with open(os.path.join(outdir, "field-of-view.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Rewrite the parity fixtures that need no model.")
    ap.add_argument("--field-of-view", metavar="DIR", required=True, help="the fixtures folder (holds ham-nv.jpg)")
    write_field_of_view_fixture(ap.parse_args().field_of_view)
