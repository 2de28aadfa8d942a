/**
 * A minimal PNG encoder (RGB, 8 bits, no filtering, zlib from Node) for the small pictures a report
 * embeds as data: URLs: digits, perturbations and weight images. PNG: ISO/IEC 15948, sections 5
 * (chunks, CRC-32) and 11.2 (IHDR).
 */
import { deflateSync } from "node:zlib";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** `rgb` holds width * height pixels, three bytes each, row by row from the top. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  if (rgb.length !== width * height * 3) throw new Error(`${width}x${height} RGB needs ${width * height * 3} bytes, got ${rgb.length}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour
  // Each scanline starts with its filter type, 0 (none).
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0))]);
}

export function pngDataUrl(width: number, height: number, rgb: Uint8Array): string {
  return `data:image/png;base64,${encodePng(width, height, rgb).toString("base64")}`;
}

/** Grey levels: 0 black, 1 white (pixels outside [0, 1] are clamped). */
export function greyImage(values: ArrayLike<number>, width: number, height: number): string {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, values[i])));
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = v;
  }
  return pngDataUrl(width, height, rgb);
}

/**
 * A diverging picture of signed values in [-1, 1]: negative blue, zero white, positive red (the
 * ends of ColorBrewer's RdBu), linear in between.
 */
export function signedImage(values: ArrayLike<number>, width: number, height: number): string {
  const NEG = [33, 102, 172];
  const POS = [178, 24, 43];
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const v = Math.min(1, Math.max(-1, values[i]));
    const end = v < 0 ? NEG : POS;
    const t = Math.abs(v);
    for (let k = 0; k < 3; k++) rgb[3 * i + k] = Math.round(255 + t * (end[k] - 255));
  }
  return pngDataUrl(width, height, rgb);
}
