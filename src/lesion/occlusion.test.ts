import { describe, expect, it } from 'vitest';
import { occludedBatch, occlusionGrid, occlusionMap } from './occlusion.ts';

describe('occlusionGrid', () => {
  it('224 with a 32 patch every 16 is 13 x 13 = 169 occlusions covering the input', () => {
    const g = occlusionGrid(224);
    expect(g.offsets.length).toBe(13);
    expect(g.count).toBe(169);
    expect(g.offsets[12]! + g.patch).toBe(224);
  });

  it('adds a last patch flush with the edge when the stride does not divide evenly', () => {
    expect(occlusionGrid(10, 4, 4).offsets).toEqual([0, 4, 6]);
  });

  it('refuses a patch larger than the input', () => {
    expect(() => occlusionGrid(8, 16, 4)).toThrow(/invalid occlusion grid/);
  });
});

describe('occludedBatch', () => {
  const size = 8;
  const grid = occlusionGrid(size, 4, 4); // 2 x 2 patches
  const chw = new Float32Array(3 * size * size).fill(1);

  it('greys (zeroes) exactly the patch, in all channels, and leaves the rest', () => {
    const b = occludedBatch(chw, grid, 0, 4);
    expect(b.length).toBe(4 * 3 * size * size);
    // Occlusion 3 = bottom-right patch.
    const base = 3 * 3 * size * size;
    for (let c = 0; c < 3; c++) {
      expect(b[base + c * size * size + 4 * size + 4]).toBe(0);
      expect(b[base + c * size * size + 7 * size + 7]).toBe(0);
      expect(b[base + c * size * size + 3 * size + 7]).toBe(1);
    }
    // Each occlusion hides 16 pixels x 3 channels.
    for (let i = 0; i < 4; i++) {
      const zeros = b.subarray(i * 3 * size * size, (i + 1) * 3 * size * size).filter((v) => v === 0).length;
      expect(zeros).toBe(48);
    }
    expect(chw.every((v) => v === 1)).toBe(true);
  });

  it('builds a later slice of the grid (for bounded batches) and refuses one past its end', () => {
    const tail = occludedBatch(chw, grid, 3, 1);
    expect(Array.from(tail)).toEqual(Array.from(occludedBatch(chw, grid, 0, 4).subarray(3 * 3 * size * size)));
    expect(() => occludedBatch(chw, grid, 3, 2)).toThrow(/outside/);
  });
});

describe('occlusionMap', () => {
  it('is the drop in P(mel), high where hiding the region removed the evidence', () => {
    const grid = occlusionGrid(8, 4, 4);
    // Hiding the top-left patch drops P(mel) from 0.8 to 0.2; the others change nothing.
    const map = occlusionMap(0.8, [0.2, 0.8, 0.8, 0.9], grid);
    expect(map[0]).toBeCloseTo(0.6, 6);
    expect(map[3 * 8 + 3]).toBeCloseTo(0.6, 6);
    expect(map[0 * 8 + 5]).toBeCloseTo(0, 6);
    expect(map[7 * 8 + 7]).toBeCloseTo(-0.1, 6);
  });

  it('averages overlapping patches', () => {
    const grid = occlusionGrid(8, 4, 2); // offsets 0, 2, 4
    const scores = new Array(grid.count).fill(0.5);
    scores[0] = 0.2; // only the patch at (0, 0) drops
    const map = occlusionMap(0.5, scores, grid);
    expect(map[0]).toBeCloseTo(0.3, 6); // covered by one patch
    expect(map[2 * 8 + 2]).toBeCloseTo(0.3 / 4, 6); // covered by four
  });

  it('refuses the wrong number of scores', () => {
    expect(() => occlusionMap(0.5, [0.1], occlusionGrid(8, 4, 4))).toThrow(/expected 4/);
  });
});
