/**
 * The Shades-of-Gray illuminant estimate (Finlayson & Trezzi, Color Imaging Conf. 2004; used
 * for dermoscopy by Barata et al., IEEE JBHI 2015): each channel's Minkowski p-norm, scaled
 * so the three have unit mean square. Dividing a channel by its estimate removes the light's
 * colour cast. One estimate for the model's preprocessing (step 5), the colour count of the
 * ABCD features and the quality gate's skin-tone check. Pure.
 */
export function shadesOfGrayIlluminant(value: (channel: number, i: number) => number, n: number, p: number): [number, number, number] {
  // A whole p (6 in the card) by repeated multiplication: Math.pow dominated the preprocessing
  // (about 7 ms of a 224 px tensor's 11 on a slow core). Same value to the last bit or two.
  const power = Number.isInteger(p) && p >= 1 && p <= 16 ? wholePower(p) : (v: number) => v ** p;
  const e = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += power(value(c, i));
    e[c] = Math.max((acc / Math.max(n, 1)) ** (1 / p), 1e-6);
  }
  const rms = Math.sqrt((e[0]! ** 2 + e[1]! ** 2 + e[2]! ** 2) / 3);
  return [e[0]! / rms, e[1]! / rms, e[2]! / rms];
}

function wholePower(p: number): (v: number) => number {
  return (v) => {
    let r = v;
    for (let k = 1; k < p; k++) r *= v;
    return r;
  };
}
