"""Fast checks of the training script's pure parts (no ../shared, no pretrained weights):

    /usr/bin/python3 -m unittest discover training
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import sys
import tempfile
import unittest

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import full_finetune as ff  # noqa: E402
import stage_remote  # noqa: E402
import train_lesion as tl  # noqa: E402
from augment import augment, augment_batched, hair, ink, layer_bank, overlay_banks, ruler  # noqa: E402
from lesion_preprocess import CLASSES  # noqa: E402

# run_from_onnx.py reads ONNX files with the onnx package (Debian: python3-onnx; CI installs it).
NEEDS_ONNX = unittest.skipUnless(importlib.util.find_spec("onnx"), "the onnx package is not installed (apt-get install -y python3-onnx)")


def _records(n_groups: int, per_group: int, source: str, dx: str, prefix: str) -> list[tl.Record]:
    out = []
    for g in range(n_groups):
        for k in range(per_group):
            out.append(
                tl.Record(image_id=f"{prefix}{g}_{k}", path="", dx=dx, dx_type="histo", age=50.0, sex="female",
                          site="back", source=source, group=f"{prefix}{g}", sticker=False)
            )
    return out


class SplitTest(unittest.TestCase):
    def setUp(self) -> None:
        self.records = (
            _records(200, 3, "ham10000", "nv", "hn")
            + _records(40, 2, "ham10000", "mel", "hm")
            + _records(100, 1, "isic2017", "nv", "in")
            + _records(20, 1, "isic2017", "mel", "im")
        )

    def test_no_lesion_on_two_sides(self) -> None:
        assign = tl.split_groups(self.records, seed=3)
        sides: dict[str, set[str]] = {}
        for r in self.records:
            sides.setdefault(r.group, set()).add(assign[r.group])
        self.assertTrue(all(len(s) == 1 for s in sides.values()))
        self.assertEqual(set(assign.values()), {"train", "calib", "test"})

    def test_stratified_70_15_15_in_every_stratum(self) -> None:
        assign = tl.split_groups(self.records, seed=3)
        for prefix, n in (("hn", 200), ("hm", 40), ("in", 100), ("im", 20)):
            got = [assign[f"{prefix}{g}"] for g in range(n)]
            self.assertAlmostEqual(got.count("train") / n, 0.70, delta=1.01 / n, msg=prefix)
            self.assertAlmostEqual(got.count("calib") / n, 0.15, delta=1.01 / n, msg=prefix)
            self.assertAlmostEqual(got.count("test") / n, 0.15, delta=1.01 / n, msg=prefix)

    def test_seeded(self) -> None:
        self.assertEqual(tl.split_groups(self.records, 5), tl.split_groups(self.records, 5))
        self.assertNotEqual(tl.split_groups(self.records, 5), tl.split_groups(self.records, 6))


class ReadFolderTest(unittest.TestCase):
    def _folder(self, rows: list[dict]) -> str:
        d = tempfile.mkdtemp()
        fields = ["image_id", "lesion_id", "dx", "dx_type", "age", "sex", "localization", "source", "exact_duplicate_of", "near_duplicates"]
        with open(os.path.join(d, "labels.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            for r in rows:
                w.writerow({k: r.get(k, "") for k in fields})
        return d

    def test_sticker_nevi_are_flagged_and_nothing_else(self) -> None:
        d = self._folder([
            {"image_id": "ISIC_0001500", "dx": "nv", "source": "isic2017"},  # first SONIC id
            {"image_id": "ISIC_0009859", "dx": "nv", "source": "isic2017"},  # last SONIC id
            {"image_id": "ISIC_0005000", "dx": "mel", "source": "isic2017"},  # in range, not a nevus
            {"image_id": "ISIC_0001499", "dx": "nv", "source": "isic2017"},  # just outside
            {"image_id": "ISIC_0009860", "dx": "nv", "source": "isic2017"},
            {"image_id": "ISIC_0005001", "lesion_id": "HAM_1", "dx": "nv", "source": "ham10000"},  # other source
        ])
        got = {r.image_id: r.sticker for r in tl.read_folder(d)}
        self.assertEqual(got, {"ISIC_0001500": True, "ISIC_0009859": True, "ISIC_0005000": False,
                               "ISIC_0001499": False, "ISIC_0009860": False, "ISIC_0005001": False})

    def test_near_duplicates_share_a_group_and_unknown_dx_is_skipped(self) -> None:
        d = self._folder([
            {"image_id": "ISIC_0000001", "dx": "nv", "source": "isic2017"},
            {"image_id": "ISIC_0000002", "dx": "nv", "source": "isic2017", "near_duplicates": "ISIC_0000001"},
            {"image_id": "ISIC_0000003", "dx": "mel", "source": "isic2017"},
            {"image_id": "ISIC_0000004", "dx": "scc", "source": "isic2017"},
        ])
        recs = {r.image_id: r for r in tl.read_folder(d)}
        self.assertNotIn("ISIC_0000004", recs)
        self.assertEqual(recs["ISIC_0000001"].group, recs["ISIC_0000002"].group)
        self.assertNotEqual(recs["ISIC_0000001"].group, recs["ISIC_0000003"].group)


class MetricsTest(unittest.TestCase):
    def test_wilson_known_value(self) -> None:
        # 5 of 10: Wilson 95 % interval 0.2366-0.7634 (Newcombe, Stat Med 1998, method 3).
        self.assertEqual(tl.wilson(5, 10), [0.2366, 0.7634])
        self.assertEqual(tl.wilson(0, 10)[0], 0.0)
        self.assertIsNone(tl.wilson(0, 0))

    def test_mel_auc_known_value_and_too_few(self) -> None:
        p = np.zeros((10, len(CLASSES)))
        p[:, 0] = [0.9, 0.8, 0.3, 0.1, 0.95, 0.7, 0.6, 0.2, 0.85, 0.05]
        y = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
        # positives 0.9 0.3 0.95 0.6 0.85 vs negatives 0.8 0.1 0.7 0.2 0.05: 21 of 25 pairs ordered
        self.assertAlmostEqual(tl.mel_auc(p, y), 21 / 25)
        self.assertIsNone(tl.mel_auc(p[:4], y[:4]))

    def test_ece_known_value(self) -> None:
        p = np.tile([0.8, 0.2, 0, 0, 0, 0, 0], (10, 1))
        y = np.array([0] * 5 + [1] * 5)  # confidence 0.8, accuracy 0.5
        value, table = tl.ece(p, y)
        self.assertAlmostEqual(value, 0.3)
        self.assertEqual(len(table), 1)
        self.assertEqual(table[0]["n"], 10)

    def test_bootstrap_ci_brackets_the_value_and_is_seeded(self) -> None:
        rng = np.random.default_rng(0)
        n = 200
        y = np.where(rng.random(n) < 0.3, 0, 1)
        p = np.full((n, len(CLASSES)), 0.01)
        p[:, 0] = np.clip(0.3 + 0.3 * (y == 0) + rng.normal(0, 0.2, n), 0, 1)
        groups = np.arange(n) // 2
        th = {"refer": 0.5, "monitor": 0.4}
        a = tl.metric_set(p, y, groups, th, np.random.default_rng(7), 200)
        b = tl.metric_set(p, y, groups, th, np.random.default_rng(7), 200)
        self.assertEqual(a, b)
        auc = a["melanoma_auc"]
        self.assertLess(auc["ci95"][0], auc["value"])
        self.assertGreater(auc["ci95"][1], auc["value"])
        self.assertEqual(a["n_lesions"], 100)
        flagged = (p[:, 0] >= 0.5)[y == 0]
        self.assertAlmostEqual(a["operating_points"]["refer"]["sensitivity"], round(flagged.mean(), 4))

    def test_thresholds_reach_the_target_sensitivity(self) -> None:
        pos = np.linspace(0.01, 1.0, 100)
        th = tl.thresholds_for(pos, {"refer": 0.90, "monitor": 0.95})
        self.assertGreaterEqual((pos >= th["refer"]).mean(), 0.90)
        self.assertGreaterEqual((pos >= th["monitor"]).mean(), 0.95)
        self.assertLess((pos >= th["refer"] + 1e-9).mean(), 0.90)  # the highest such threshold
        self.assertGreaterEqual(th["refer"], th["monitor"])


class AugmentTest(unittest.TestCase):
    def test_seeded_views_repeat_and_differ_across_seeds(self) -> None:
        x = torch.rand(3, 3, 64, 64, generator=torch.Generator().manual_seed(0))
        a = augment(x, torch.Generator().manual_seed(11))
        b = augment(x, torch.Generator().manual_seed(11))
        c = augment(x, torch.Generator().manual_seed(12))
        self.assertTrue(torch.equal(a, b))
        self.assertFalse(torch.equal(a, c))
        self.assertEqual(a.shape, x.shape)
        self.assertGreaterEqual(float(a.min()), 0.0)
        self.assertLessEqual(float(a.max()), 1.0)

    def test_eight_dihedral_views_are_distinct_and_view_0_is_the_image(self) -> None:
        x = torch.arange(16.0).view(1, 1, 4, 4)
        views = [tl.dihedral(x, k) for k in range(8)]
        self.assertTrue(torch.equal(views[0], x))
        self.assertEqual(len({tuple(v.flatten().tolist()) for v in views}), 8)


class ArtefactTest(unittest.TestCase):
    """Ink, rulers and hair: what the network must learn to look past."""

    def grey(self, n: int = 4, size: int = 96) -> torch.Tensor:
        return torch.full((n, 3, size, size), 0.6)

    def test_ink_rings_the_lesion_in_a_marker_colour_and_leaves_the_centre(self) -> None:
        x = self.grey()
        out = ink(x, torch.Generator().manual_seed(5), p=1.0)
        changed = (out - x).abs().sum(1) > 1e-6  # [n, H, W]
        for k in range(len(x)):
            self.assertGreater(float(changed[k].float().mean()), 0.003, "some ink on every image at p = 1")
            self.assertFalse(bool(changed[k, 40:56, 40:56].any()), "the lesion in the middle stays clean")
            drawn = out[k][:, changed[k]]
            self.assertLess(float(drawn.mean()), 0.6, "marker ink is darker than the skin under it")

    def test_ruler_is_an_opaque_pale_band_along_one_edge(self) -> None:
        x = self.grey(8)
        out = ruler(x, torch.Generator().manual_seed(2), p=1.0)
        edges = set()
        for k in range(len(x)):
            changed = (out[k] - x[k]).abs().sum(0) > 1e-6
            rows, cols = changed.float().mean(1), changed.float().mean(0)
            if bool((rows[-1] == 1)):
                edges.add("bottom")
            if bool((rows[0] == 1)):
                edges.add("top")
            if bool((cols[0] == 1)):
                edges.add("left")
            if bool((cols[-1] == 1)):
                edges.add("right")
            self.assertTrue(0.08 <= float(changed.float().mean()) <= 0.16, "8-15 % of the side deep")
            self.assertGreater(float(out[k][:, changed].max()), 0.75, "paper")
            self.assertLess(float(out[k][:, changed].min()), 0.3, "ticks")
        self.assertGreater(len(edges), 1, "not always the same edge")

    def test_hair_counts_reach_thirty_but_most_pictures_have_few(self) -> None:
        from augment import _hair_count

        g = torch.Generator().manual_seed(0)
        counts = [_hair_count(g) for _ in range(2000)]
        self.assertEqual((min(counts), max(counts)), (1, 30))
        self.assertTrue(6 <= sorted(counts)[1000] <= 10, "median about 8")

    def test_a_bank_layer_over_an_image_is_the_drawing_on_that_image(self) -> None:
        x = torch.rand(1, 3, 48, 48, generator=torch.Generator().manual_seed(1))
        for draw in (hair, ink, ruler):
            g = torch.Generator().manual_seed(9)
            layers = layer_bank(draw, 1, 48, g, torch.device("cpu"))
            drawn = draw(x, torch.Generator().manual_seed(9), p=1.0)
            composed = x * (1 - layers.alpha.float()) + layers.colour.float()
            self.assertLess(float((composed - drawn).abs().max()), 0.01, draw.__name__)  # float16 layers


class BatchedAugmentTest(unittest.TestCase):
    def test_seeded_in_range_and_changes_the_images(self) -> None:
        x = torch.rand(6, 3, 64, 64, generator=torch.Generator().manual_seed(0))
        banks = overlay_banks(8, 64, torch.Generator().manual_seed(1), torch.device("cpu"))
        a = augment_batched(x, torch.Generator().manual_seed(11), banks)
        b = augment_batched(x, torch.Generator().manual_seed(11), banks)
        c = augment_batched(x, torch.Generator().manual_seed(12), banks)
        self.assertTrue(torch.equal(a, b))
        self.assertFalse(torch.equal(a, c))
        self.assertEqual(a.shape, x.shape)
        self.assertGreaterEqual(float(a.min()), 0.0)
        self.assertLessEqual(float(a.max()), 1.0)
        self.assertGreater(float((a - x).abs().mean()), 0.01)

    def test_banks_hold_thin_opaque_hairs_translucent_ink_and_opaque_rulers(self) -> None:
        banks = overlay_banks(16, 64, torch.Generator().manual_seed(3), torch.device("cpu"))
        for layers in banks:
            self.assertEqual(tuple(layers.alpha.shape), (16, 1, 64, 64))
            self.assertEqual(tuple(layers.colour.shape), (16, 3, 64, 64))
        hair_alpha = banks.hair.alpha.float()
        covered = (hair_alpha > 0.5).float().mean(dim=(1, 2, 3))
        self.assertTrue(bool((covered > 0).all()), "every layer has at least one hair")
        self.assertLess(float(covered.max()), 0.5, "hairs are thin lines, not fills")
        self.assertLessEqual(float(banks.hair.colour.float().max()), 0.34)  # dark: 0.08 + 0.25 at most
        ink_alpha = banks.ink.alpha.float()
        self.assertTrue(0.5 <= float(ink_alpha.max()) <= 0.92, "ink is translucent")
        ruler_alpha = banks.ruler.alpha.float()
        self.assertTrue(bool(((ruler_alpha > 0.99).float().mean(dim=(1, 2, 3)) >= 0.07).all()), "every ruler is an opaque band")


class StageRemoteTest(unittest.TestCase):
    def test_int8_multiples_round_trip_and_other_tensors_stay_as_they_are(self) -> None:
        g = torch.Generator().manual_seed(0)
        q = torch.randint(-127, 128, (4, 3, 3, 3), generator=g).float()
        scales = torch.tensor([0.013, 0.0021, 0.5, 1e-4]).view(4, 1, 1, 1)
        state = {"conv.weight": q * scales, "bn.bias": torch.randn(4, generator=g), "other": torch.randn(3, 5, generator=g)}
        packed = stage_remote.pack_state(state)
        self.assertIsInstance(packed["tensors"]["conv.weight"], dict)  # packed
        self.assertIs(packed["tensors"]["bn.bias"], state["bn.bias"])  # 1-D: as is
        self.assertIsInstance(packed["tensors"]["other"], torch.Tensor)  # not integer multiples: as is
        back = stage_remote.unpack_state(packed)
        for k in state:
            self.assertLess(float((back[k] - state[k]).abs().max()), 1e-6, k)


class FullRecipeTest(unittest.TestCase):
    def test_temperature_recovers_a_known_scale_on_averaged_views(self) -> None:
        g = torch.Generator().manual_seed(0)
        base = torch.randn(4000, 1, len(CLASSES), generator=g) * 2
        y = torch.multinomial(torch.softmax(base[:, 0], 1), 1, generator=g)[:, 0]
        views = (base * 3).expand(-1, 8, -1)  # 8 identical views, logits 3x too confident
        self.assertAlmostEqual(tl.fit_temperature_views(views, y), 3.0, delta=0.25)

    def _runs(self, n: int, y: np.ndarray, strength: list[float]) -> list[dict]:
        g = torch.Generator().manual_seed(1)
        runs = []
        for k in range(n):
            logits = torch.randn(len(y), 8, len(CLASSES), generator=g)
            logits[:, :, 0] += torch.from_numpy((y == 0).astype(np.float32))[:, None] * strength[k]
            runs.append({"seed": k + 1, "calib_logits": logits})
        return runs

    def test_member_choice_takes_a_pair_only_when_it_pays(self) -> None:
        rng = np.random.default_rng(0)
        y = np.where(rng.random(600) < 0.3, 0, 1)
        sources = np.where(np.arange(600) % 2 == 0, "ham10000", "isic2017")
        logw = torch.zeros(len(CLASSES))
        runs = self._runs(3, y, [1.0, 1.0, 0.2])  # two useful runs with independent noise, one weak
        chosen, table = tl.choose_members(runs, y, sources, logw, margin=0.005)
        self.assertEqual(sorted(chosen), [0, 1], table)  # averaging two noisy views of the truth helps
        chosen, _ = tl.choose_members(runs, y, sources, logw, margin=1.0)
        self.assertEqual(len(chosen), 1)  # a margin nothing reaches: the best single run
        self.assertIn(chosen[0], (0, 1))

    def test_train_full_keeps_the_best_epoch_and_reports_it(self) -> None:
        backbone = torchvision.models.mobilenet_v2()
        g = torch.Generator().manual_seed(0)
        canon = (torch.rand(24, 3, 64, 64, generator=g) * 255).to(torch.uint8)
        y = torch.arange(24) % len(CLASSES)
        bests = []
        state, epoch, calib_logits, history, planned = ff.train_full(
            backbone, canon[:16], y[:16], torch.ones(16), canon[16:], y[16:].numpy(), np.array(["ham10000"] * 8),
            torch.ones(len(CLASSES)), seed=1, epochs=2, lr=1e-3, device=torch.device("cpu"),
            score_fn=lambda p, yy, ss: (float(-abs(p[:, 0].mean() - 0.5)), [], 0.0), log=lambda m: None,
            batch=8, on_best=lambda *a: bests.append(a[1]),
        )
        self.assertEqual(planned, 2)
        self.assertEqual([h["epoch"] for h in history], [1, 2])
        best_epoch = max(history, key=lambda h: h["score"])["epoch"]
        self.assertEqual(epoch, best_epoch)
        self.assertEqual(bests[-1], epoch)
        self.assertEqual(tuple(calib_logits.shape), (8, 8, len(CLASSES)))
        net = ff.net_from_state(backbone, state)
        self.assertEqual(net.classifier[1].out_features, len(CLASSES))

    def test_weight_average_of_late_epochs_is_scored_with_fresh_batchnorm_statistics(self) -> None:
        backbone = torchvision.models.mobilenet_v2()
        g = torch.Generator().manual_seed(0)
        canon = (torch.rand(24, 3, 64, 64, generator=g) * 255).to(torch.uint8)
        y = torch.arange(24) % len(CLASSES)
        states, swa = [], []

        def keep(state, *rest):
            states.append(state)

        ff.train_full(
            backbone, canon[:16], y[:16], torch.ones(16), canon[16:], y[16:].numpy(), np.array(["ham10000"] * 8),
            torch.ones(len(CLASSES)), seed=1, epochs=3, lr=1e-3, device=torch.device("cpu"),
            score_fn=lambda p, yy, ss: (float(p[:, 0].mean()), [], 0.0), log=lambda m: None,  # rises or falls: every epoch may be a best
            batch=8, on_best=keep, swa_from=0.3, on_swa=lambda *a: swa.append(a),
        )
        self.assertEqual(len(swa), 1)
        state, calib_logits, epochs, score = swa[0]
        self.assertEqual(epochs, [1, 3])  # epochs after 30 % of 3: all of them
        self.assertEqual(tuple(calib_logits.shape), (8, 8, len(CLASSES)))
        self.assertAlmostEqual(score, float(F.softmax(calib_logits, 2).mean(1)[:, 0].mean()), places=5)
        key = "features.1.conv.0.1.running_mean"  # a BatchNorm of the averaged network: recomputed, not averaged
        self.assertFalse(any(torch.allclose(state[key], s[key]) for s in states))
        ff.net_from_state(backbone, state)  # loads as a plain network


def _disc(w: int, h: int, diameter: float, cx: float | None = None, cy: float | None = None) -> np.ndarray:
    """Skin-coloured field inside a disc, black frame outside (the TypeScript test's twin)."""
    cx = w / 2 if cx is None else cx
    cy = h / 2 if cy is None else cy
    yy, xx = np.mgrid[0:h, 0:w]
    inside = (xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= (diameter / 2) ** 2
    out = np.zeros((h, w, 3), np.uint8)
    out[...] = (3, 2, 4)
    out[inside] = (200, 150, 130)
    return out


class FieldOfViewTest(unittest.TestCase):
    def test_finds_a_round_field_in_a_black_frame(self) -> None:
        from lesion_preprocess import field_of_view

        top, left, h, w = field_of_view(_disc(400, 300, 160))
        self.assertTrue(70 <= top <= 74 and 120 <= left <= 124, (top, left))
        self.assertTrue(152 <= w <= 160 and h == w, (h, w))

    def test_leaves_plain_skin_a_dark_lesion_and_a_nearly_black_picture_alone(self) -> None:
        from lesion_preprocess import field_of_view

        skin = _disc(200, 150, 5000)
        self.assertIsNone(field_of_view(skin))
        lesion = skin.copy()
        lesion[40:110, 60:140] = (10, 8, 8)
        self.assertIsNone(field_of_view(lesion))
        self.assertIsNone(field_of_view(_disc(400, 300, 80)))  # under 30 % of the frame
        self.assertIsNone(field_of_view(np.zeros((40, 50, 3), np.uint8)))

    def test_canonical_of_a_framed_image_matches_the_plain_one(self) -> None:
        """The reason for step 1b: a phone attachment's frame must not shrink the lesion."""
        from PIL import Image

        from acquisition_shift import phone_attachment
        from lesion_preprocess import canonical

        rng = np.random.default_rng(3)
        plain = np.clip(rng.normal(160, 25, (150, 200, 3)), 0, 255).astype(np.uint8)
        plain[50:100, 70:130] = (60, 40, 30)  # a lesion in the middle
        framed = np.asarray(phone_attachment(Image.fromarray(plain)))
        a, b = canonical(plain), canonical(framed)
        centre = (slice(None), slice(80, 144), slice(80, 144))
        self.assertLess(float((a[centre] - b[centre]).abs().mean()), 0.06)
        self.assertEqual(canonical(framed).shape, (3, 224, 224))


class AcquisitionShiftTest(unittest.TestCase):
    def test_writes_only_test_split_lesions_every_melanoma_and_each_shift(self) -> None:
        import acquisition_shift as shift
        from PIL import Image

        tmp = tempfile.mkdtemp()
        d = os.path.join(tmp, "ham10000")
        os.makedirs(os.path.join(d, "images"))
        rows = []
        for i in range(80):
            dx = "mel" if i % 4 == 0 else "nv"
            iid = f"ISIC_{i:07d}"
            Image.new("RGB", (60, 45), (180, 120 + i % 40, 100)).save(os.path.join(d, "images", iid + ".jpg"))
            rows.append({"image_id": iid, "lesion_id": f"L{i // 2}", "dx": dx, "dx_type": "histo", "age": "50", "sex": "male", "localization": "back", "source": "ham10000"})
        with open(os.path.join(d, "labels.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        records = shift.test_records([d], split_seed=1, others=3, seed=1)
        assign = tl.split_groups(tl.read_folder(d), 1)
        self.assertTrue(all(assign[r.group] == "test" for r in records))
        test_mel = {r.image_id for r in tl.read_folder(d) if assign[r.group] == "test" and r.dx == "mel"}
        self.assertEqual({r.image_id for r in records if r.dx == "mel"}, test_mel)
        self.assertEqual(sum(r.dx != "mel" for r in records), 3)
        out = os.path.join(tmp, "shift")
        for name in ("original", "phone-attachment", "cool-light"):
            shift.write_shift(name, shift.SHIFTS[name][1], records, out)
            with open(os.path.join(out, name, "labels.csv")) as f:
                self.assertEqual(len(list(csv.DictReader(f))), len(records))
        with Image.open(os.path.join(out, "phone-attachment", "images", records[0].image_id + ".jpg")) as im:
            self.assertEqual(im.size, (round(60 / 0.55), round(45 / 0.55)))


class FullRecipeEndToEndTest(unittest.TestCase):
    """The path 3.0.0 was made by, on a tiny synthetic data set: --train-only on one machine,
    then --load-runs to choose, evaluate and export (about a minute on two CPU cores)."""

    @classmethod
    def setUpClass(cls) -> None:
        from PIL import Image, ImageDraw

        cls.tmp = tempfile.mkdtemp()
        rng = np.random.default_rng(0)
        cls.data = []
        for source, folder, classes in (("ham10000", "ham10000", ("mel", "nv", "bcc")), ("isic2017", "isic2017-trainval", ("mel", "nv", "bkl"))):
            d = os.path.join(cls.tmp, folder)
            os.makedirs(os.path.join(d, "images"))
            rows = []
            for i in range(60):
                dx = classes[0] if i % 3 == 0 else classes[1] if i % 3 == 1 else classes[2]
                iid = f"ISIC_{source[:1]}{i:05d}"
                im = Image.new("RGB", (80, 60), tuple(int(v) for v in rng.integers(170, 230, 3)))
                shade = 40 if dx == "mel" else 120 if dx == "nv" else 90
                ImageDraw.Draw(im).ellipse([20, 12, 60, 48], fill=(shade, shade // 2, shade // 3))
                im.save(os.path.join(d, "images", iid + ".jpg"), quality=90)
                rows.append({"image_id": iid, "lesion_id": f"L{source}{i}", "dx": dx, "dx_type": "histo" if i % 2 else "follow_up",
                             "age": "55", "sex": "female" if i % 2 else "male", "localization": "back", "source": source})
            with open(os.path.join(d, "labels.csv"), "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
            cls.data += ["--data", d]
        cls.weights = os.path.join(cls.tmp, "pretrained.pt")
        torch.save(torchvision.models.mobilenet_v2().state_dict(), cls.weights)

    def _main(self, *args: str) -> None:
        argv = sys.argv
        sys.argv = ["train_lesion.py", *self.data, "--weights", self.weights, "--fixtures", "", "--threads", "2", "--workers", "1", *args]
        try:
            tl.main()
        finally:
            sys.argv = argv

    def test_train_only_then_load_runs_writes_a_model_and_its_card(self) -> None:
        runs = os.path.join(self.tmp, "runs")
        out = os.path.join(self.tmp, "out")
        self._main("--recipe", "full", "--runs", "2", "--full-epochs", "2", "--swa-from", "0.5", "--train-only", runs, "--device", "cpu")
        files = sorted(os.listdir(runs))
        self.assertEqual(files, ["run-1.pt", "run-2.pt", "swa-1.pt", "swa-2.pt"])
        self.assertFalse(os.path.exists(out))
        self._main("--recipe", "full", *[a for f in files for a in ("--load-runs", os.path.join(runs, f))], "--out", out)
        self.assertTrue(os.path.getsize(os.path.join(out, "model.onnx")) > 1_000_000)
        with open(os.path.join(out, "model-card.json")) as f:
            card = json.load(f)
        self.assertEqual(card["model"]["sha256"], tl.sha256(os.path.join(out, "model.onnx")))
        self.assertEqual([o["action"] for o in card["operating_points"]], ["refer", "monitor"])
        self.assertGreaterEqual(card["operating_points"][0]["melanoma_threshold"], card["operating_points"][1]["melanoma_threshold"])
        self.assertIn("8 dihedral views averaged", card["metrics"]["views"])
        self.assertIn("one_view", card["metrics"]["tta"]["overall"])
        self.assertEqual(set(card["metrics"]["member_choice"]["singles"]), {"1", "2", "1-swa", "2-swa"})
        self.assertEqual(len(card["metrics"]["member_choice"]["pairs"]), 6)
        self.assertIn(len(card["training"]["members"]), (1, 2))
        self.assertTrue(set(card["training"]["members"]) <= {"1", "2", "1-swa", "2-swa"})
        swa = torch.load(os.path.join(runs, "swa-1.pt"), weights_only=False)
        self.assertEqual((swa["variant"], swa["epoch"], swa["epochs_run"]), ("swa", "mean of 2-2", 2))
        self.assertIn("--load-runs", card["training"]["made_by"])
        self.assertEqual({r["isic_weight"] for r in card["training"]["runs"]}, {2.0})  # each run's own settings
        self.assertEqual(card["training"]["source_weights"], {"ham10000": 1.0, "isic2017": 2.0})
        self.assertTrue(os.path.exists(os.path.join(out, "reliability.png")))

    @NEEDS_ONNX
    def test_a_shipped_network_rebuilt_from_its_onnx_file_is_the_same_network(self) -> None:
        import run_from_onnx

        runs = os.path.join(self.tmp, "runs-rebuild")
        first, second, fixtures = (os.path.join(self.tmp, n) for n in ("ship-1", "ship-2", "fixtures-1"))
        self._main("--recipe", "full", "--runs", "1", "--full-epochs", "1", "--train-only", runs, "--device", "cpu")
        self._main("--recipe", "full", "--load-runs", os.path.join(runs, "run-1.pt"), "--out", first, "--fixtures", fixtures)
        rebuilt = os.path.join(self.tmp, "rebuilt.pt")
        argv = sys.argv
        sys.argv = ["run_from_onnx.py", "--onnx", os.path.join(first, "model.onnx"), "--card", os.path.join(first, "model-card.json"),
                    "--expected", os.path.join(fixtures, "expected.json"), "--fixtures", fixtures, "--label", "0.9.0", *self.data,
                    "--out", rebuilt]
        try:
            run_from_onnx.main()
        finally:
            sys.argv = argv
        self._main("--recipe", "full", "--load-runs", rebuilt, "--out", second)
        with open(os.path.join(first, "model-card.json")) as f:
            a = json.load(f)
        with open(os.path.join(second, "model-card.json")) as f:
            b = json.load(f)
        # The same network: the rebuilt run's calibration logits are the trained run's.
        trained = torch.load(os.path.join(runs, "run-1.pt"), weights_only=False)["calib_logits"]
        again = torch.load(rebuilt, weights_only=False)["calib_logits"]
        self.assertLess(float((trained - again).abs().max()), 1e-4)  # measured: about 1e-7
        # Step 3 on either then fits about the same temperature (LBFGS on 36 images moves in the
        # fourth digit with float32 rounding; thresholds and AUC there can jump between images).
        self.assertLess(abs(a["calibration"]["temperature"] / b["calibration"]["temperature"] - 1), 0.02)
        # And the card says where it came from.
        self.assertEqual(b["training"]["members"], ["0.9.0"])
        self.assertIn("run_from_onnx.py", b["training"]["made_by"])
        self.assertIn("0.9.0: every layer fine-tuned", b["model"]["architecture"])
        self.assertEqual(b["training"]["runs"][0]["from_version"]["sha256"], a["model"]["sha256"])
        self.assertEqual(b["training"]["runs"][0]["augmentations"], a["training"]["augmentations"])
        self.assertIn("both on this CPU", b["metrics"]["training_machine_check"]["note"])

    def test_load_runs_refuses_runs_from_another_split(self) -> None:
        runs = os.path.join(self.tmp, "runs-other")
        self._main("--recipe", "full", "--runs", "1", "--full-epochs", "1", "--train-only", runs, "--device", "cpu", "--split-seed", "7")
        with self.assertRaises(SystemExit) as e:
            self._main("--recipe", "full", "--load-runs", os.path.join(runs, "run-1.pt"), "--out", os.path.join(self.tmp, "never"))
        self.assertIn("another split", str(e.exception))


if __name__ == "__main__":
    unittest.main()


@NEEDS_ONNX
class RunFromOnnxTest(unittest.TestCase):
    """A shipped network rebuilt from its ONNX file must compute what the file computes."""

    def _net(self, seed: int) -> torchvision.models.MobileNetV2:
        torch.manual_seed(seed)
        net = ff.classifier_of(torchvision.models.mobilenet_v2(), seed)
        for m in net.modules():  # non-trivial BatchNorm statistics, so folding them matters
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.2, 0.2)
        return net.eval()

    def _rebuilt_logits(self, exported: torch.nn.Module, logw: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        import onnx
        import run_from_onnx

        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "model.onnx")
            torch.onnx.export(exported, x, path, input_names=["image"], output_names=["logits"], opset_version=13, do_constant_folding=True)
            state = run_from_onnx.rebuild(onnx.load(path), logw)
        with torch.inference_mode():
            return ff.Ensemble([ff.net_from_state(torchvision.models.mobilenet_v2(), state)], logw).eval()(x)

    def test_full_recipe_export_with_a_separate_class_weight_correction(self) -> None:
        logw = torch.log(torch.tensor([1.1, 0.2, 3.4, 5.1, 1.2, 12.0, 10.0]))
        exported = ff.Ensemble([self._net(1)], logw).eval()
        x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
        with torch.inference_mode():
            want = exported(x)
        got = self._rebuilt_logits(exported, logw, x)
        self.assertLess(float((got - want).abs().max()), 1e-3)

    def test_partial_recipe_export_with_the_correction_folded_into_the_head(self) -> None:
        logw = torch.log(torch.tensor([1.1, 0.2, 3.4, 5.1, 1.2, 12.0, 10.0]))
        net = self._net(2)
        with torch.no_grad():
            net.classifier[1].bias -= logw  # what train_lesion.Exported does
        x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
        with torch.inference_mode():
            want = net(x)
        got = self._rebuilt_logits(net, logw, x)
        self.assertLess(float((got - want).abs().max()), 1e-3)
