/**
 * Flood fill from the picture's edge: the pixels a path of passable pixels (4-connected)
 * links to the border. The segmentation uses it to fill holes in a lesion mask, the quality
 * gate to find a dermatoscope's black frame. Pure.
 */
export function reachableFromEdge(width: number, height: number, passable: (i: number) => boolean): Uint8Array {
  const reached = new Uint8Array(width * height);
  const stack: number[] = [];
  const visit = (i: number) => {
    if (reached[i] === 0 && passable(i)) {
      reached[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < width; x++) {
    visit(x);
    visit((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    visit(y * width);
    visit(y * width + width - 1);
  }
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % width;
    if (x > 0) visit(i - 1);
    if (x < width - 1) visit(i + 1);
    if (i >= width) visit(i - width);
    if (i < (height - 1) * width) visit(i + width);
  }
  return reached;
}
