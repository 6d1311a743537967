/**
 * The dermatoscope's field of view: found where a round field sits on a black frame, left
 * alone everywhere else (ordinary dermoscopy, a dark lesion, a nearly black photograph).
 */
import { describe, expect, it } from 'vitest';
import type { DecodedImage } from './decode.ts';
import { cropImage, cropToFieldOfView, decodedFieldOfView, fieldOfView } from './field-of-view.ts';
import type { RgbImage } from './preprocess.ts';

/** Skin-coloured image, with a black frame outside a disc of `diameter` centred at (cx, cy). */
function disc(width: number, height: number, diameter: number, cx = width / 2, cy = height / 2): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= (diameter / 2) ** 2;
      data.set(inside ? [200, 150, 130] : [3, 2, 4], (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

function skin(width: number, height: number): RgbImage {
  return disc(width, height, 10 * (width + height));
}

describe('fieldOfView', () => {
  it("finds a phone attachment's round field in the middle of a black frame", () => {
    const box = fieldOfView(disc(400, 300, 160));
    // The disc spans 120-280 x 70-230; rows and columns with under 4 % lit are frame.
    expect(box).not.toBeNull();
    expect(box!.left).toBeGreaterThanOrEqual(120);
    expect(box!.left).toBeLessThanOrEqual(124);
    expect(box!.top).toBeGreaterThanOrEqual(70);
    expect(box!.top).toBeLessThanOrEqual(74);
    expect(box!.width).toBeGreaterThanOrEqual(152);
    expect(box!.width).toBeLessThanOrEqual(160);
    expect(box!.height).toBe(box!.width);
  });

  it('follows a field that is off centre', () => {
    const box = fieldOfView(disc(400, 300, 160, 110, 150))!;
    expect(box.left).toBeLessThanOrEqual(34);
    expect(box.left + box.width).toBeGreaterThanOrEqual(186);
  });

  it('leaves ordinary dermoscopy alone', () => {
    expect(fieldOfView(skin(200, 150))).toBeNull();
  });

  it('leaves a dark lesion inside the skin alone', () => {
    const img = skin(200, 150);
    for (let y = 40; y < 110; y++) for (let x = 60; x < 140; x++) img.data.set([10, 8, 8], (y * 200 + x) * 3);
    expect(fieldOfView(img)).toBeNull();
  });

  it('leaves a nearly black photograph to the quality gate (field under 30 % of the frame)', () => {
    expect(fieldOfView(disc(400, 300, 80))).toBeNull();
  });

  it('leaves an all-black image alone', () => {
    expect(fieldOfView({ width: 50, height: 40, data: new Uint8Array(50 * 40 * 3) })).toBeNull();
  });

  it('is idempotent: the cropped field has nothing more to crop', () => {
    const { image, box } = cropToFieldOfView(disc(400, 300, 160));
    expect(box).not.toBeNull();
    expect(fieldOfView(image)).toBeNull();
    expect(cropToFieldOfView(image).image).toBe(image);
  });
});

describe('cropImage', () => {
  it('copies exactly the rectangle asked for', () => {
    const img: RgbImage = { width: 4, height: 3, data: Uint8Array.from({ length: 36 }, (_, i) => i) };
    const c = cropImage(img, { top: 1, left: 2, height: 2, width: 2 });
    expect(c.width).toBe(2);
    expect(c.height).toBe(2);
    expect([...c.data]).toEqual([18, 19, 20, 21, 22, 23, 30, 31, 32, 33, 34, 35]);
  });
});

describe('decodedFieldOfView', () => {
  it("keeps lengths in the file's own pixels and says what it cropped", () => {
    // A 1600x1200 upload that the decoder shrank to 400x300.
    const img: DecodedImage = { ...disc(400, 300, 160), notes: ['downscaled from 1600×1200 for analysis'], originalWidth: 1600, originalHeight: 1200 };
    const out = decodedFieldOfView(img);
    expect(out.width).toBeLessThan(170);
    expect(out.originalWidth / out.width).toBeCloseTo(4, 1);
    expect(out.originalHeight / out.height).toBeCloseTo(4, 1);
    expect(out.notes[0]).toBe('downscaled from 1600×1200 for analysis');
    expect(out.notes[1]).toMatch(/^cropped to the dermatoscope's round field \(\d+×\d+ of 1600×1200 pixels\)$/);
  });

  it('returns the same image when there is no frame', () => {
    const img: DecodedImage = { ...skin(200, 150), notes: [], originalWidth: 200, originalHeight: 150 };
    expect(decodedFieldOfView(img)).toBe(img);
  });
});
