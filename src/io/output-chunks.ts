/**
 * Reusable byte chunks for trace output written in place (repeated rows, clock pulses). A chunk
 * goes back to the pool once its file stream has written it, so the next one is memory already
 * touched: a fresh buffer of this size costs page faults that made up most of the price of a
 * repeated row (measured on this VM: about 20 ns a VCD pulse into a reused chunk, 30-150 ns into
 * fresh ones).
 */

/** Bytes of one pooled chunk. */
export const OUTPUT_CHUNK_BYTES = 1 << 17;

/** Chunks kept for reuse: about what a file stream holds (1 MiB) and a few more in flight. */
const MAX_SPARE_CHUNKS = 16;

const spare: Buffer[] = [];
const pooled = new WeakSet<ArrayBufferLike>();

/** A chunk of OUTPUT_CHUNK_BYTES to write into; hand it (or a view of it) to a stream and recycle it after the write. */
export function takeOutputChunk(): Buffer {
  const chunk = spare.pop();
  if (chunk !== undefined) return chunk;
  const fresh = Buffer.allocUnsafeSlow(OUTPUT_CHUNK_BYTES);
  pooled.add(fresh.buffer);
  return fresh;
}

/** Is `data` (a view of) a pooled chunk? */
export function isOutputChunk(data: unknown): data is Buffer {
  return data instanceof Uint8Array && pooled.has(data.buffer);
}

/** Returns the chunk `data` views to the pool: call once its stream has written it, and only then. */
export function recycleOutputChunk(data: Buffer): void {
  if (spare.length < MAX_SPARE_CHUNKS) spare.push(Buffer.from(data.buffer, 0, OUTPUT_CHUNK_BYTES));
}
