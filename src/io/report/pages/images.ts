/** Pictures in a report: digits, perturbations and weight images as inline PNGs. */
import { escapeHtml } from "../html.js";
import { greyImage, signedImage } from "../png.js";
import { unpackArray, type WeightImages } from "../views.js";

export interface Picture {
  id: string;
  src: string;
  caption: string;
  /** Displayed size in CSS pixels (the PNG is scaled up, pixelated). */
  size: number;
  /** Hover text. */
  title?: string;
}

export function pictures(items: readonly Picture[], id: string): string {
  const figures = items.map(
    (p) =>
      `<figure id="${escapeHtml(p.id)}" style="width:${p.size + (p.size >= 120 ? 40 : 8)}px"><img alt="${escapeHtml(p.caption)}" src="${p.src}" width="${p.size}" height="${p.size}"` +
      `${p.title ? ` title="${escapeHtml(p.title)}"` : ""}><figcaption>${escapeHtml(p.caption)}</figcaption></figure>`,
  );
  return `<div class="images" id="${escapeHtml(id)}">${figures.join("")}</div>`;
}

export const DIGIT_SIDE = 28;

export function digitPicture(id: string, pixels: ArrayLike<number>, caption: string, size = 168): Picture {
  return { id, src: greyImage(pixels, DIGIT_SIDE, DIGIT_SIDE), caption, size };
}

/** A signed difference scaled by `scale` (e.g. epsilon): blue darker, red brighter, white unchanged. */
export function differencePicture(id: string, a: ArrayLike<number>, b: ArrayLike<number>, scale: number, caption: string, size = 168): Picture {
  const d = Float64Array.from({ length: a.length }, (_, i) => (scale > 0 ? (b[i] - a[i]) / scale : 0));
  return { id, src: signedImage(d, DIGIT_SIDE, DIGIT_SIDE), caption, size };
}

export function weightPictures(w: WeightImages): Picture[] {
  const px = unpackArray(w.pixels);
  const n = w.height * w.width;
  const size = w.height >= 20 ? 84 : 60;
  return Array.from({ length: w.count }, (_, u) => {
    const values = Float64Array.from({ length: n }, (_, i) => px[u * n + i] / 127);
    return {
      id: `weights-${u}`,
      src: signedImage(values, w.width, w.height),
      caption: `${w.noun} ${u}`,
      size,
      title: `${w.noun} ${u}: largest weight magnitude ${w.scales[u].toPrecision(3)}`,
    };
  });
}
