/** The PNG encoder against the format's definition: signature, chunk CRCs, and pixels read back. */
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, encodePng, greyImage, signedImage } from "../../../src/io/report/png.js";

/** Chunks of a PNG file: type, data, and whether the stored CRC matches. */
function chunks(png: Buffer): { type: string; data: Buffer; crcOk: boolean }[] {
  const out = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    const crcOk = png.readUInt32BE(at + 8 + length) === crc32(png.subarray(at + 4, at + 8 + length));
    out.push({ type, data, crcOk });
    at += 12 + length;
  }
  return out;
}

describe("png", () => {
  it("CRC-32 of the standard check string is 0xCBF43926", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("writes IHDR, IDAT and IEND with good CRCs, and the pixels come back", () => {
    const rgb = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => (i * 37) % 256);
    const png = encodePng(3, 2, rgb);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const cs = chunks(png);
    expect(cs.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    expect(cs.every((c) => c.crcOk)).toBe(true);
    const ihdr = cs[0].data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9], ihdr[10], ihdr[11], ihdr[12]]).toEqual([3, 2, 8, 2, 0, 0, 0]);
    const raw = inflateSync(cs[1].data);
    // Each scanline: filter byte 0, then the row's RGB bytes.
    expect([...raw]).toEqual([0, ...rgb.subarray(0, 9), 0, ...rgb.subarray(9)]);
  });

  it("grey and signed images map values as documented", () => {
    const pixel = (url: string, i: number) => {
      const raw = inflateSync(chunks(Buffer.from(url.split(",")[1], "base64"))[1].data);
      return [...raw.subarray(1 + 3 * i, 4 + 3 * i)];
    };
    const grey = greyImage([0, 0.5, 1, 2], 4, 1);
    expect([0, 1, 2, 3].map((i) => pixel(grey, i))).toEqual([[0, 0, 0], [128, 128, 128], [255, 255, 255], [255, 255, 255]]);
    const signed = signedImage([-1, 0, 1], 3, 1);
    expect([0, 1, 2].map((i) => pixel(signed, i))).toEqual([[33, 102, 172], [255, 255, 255], [178, 24, 43]]);
  });
});
