/**
 * A product whose columns arrive in panels (B wider than weight memory): the panels' row segments
 * go to a scratch file of rows x cols 4-byte values (int32 or fp32) by positional writes, and are
 * copied in row order to the real output at the end. Memory stays at one block.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MatrixRowSink, ProductType } from "./matrix-stream.js";

const COPY_ROWS = 1024;

export class ProductScratch {
  private readonly path = join(tmpdir(), `tpusim-product-${process.pid}-${randomBytes(4).toString("hex")}.bin`);
  private readonly fd: number;

  constructor(
    private readonly rows: number,
    private readonly cols: number,
    private readonly type: ProductType,
  ) {
    this.fd = openSync(this.path, "w+");
  }

  /** Rows [r0, r0 + n) of columns [c0, c0 + width) from values[at], `width` apart. */
  put(r0: number, n: number, values: Float64Array, at: number, c0: number, width: number): void {
    const bytes = new Uint8Array(4 * width);
    const view = new DataView(bytes.buffer);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < width; j++) {
        const v = values[at + r * width + j];
        if (this.type === "int32") view.setInt32(4 * j, v, true);
        else view.setFloat32(4 * j, v, true);
      }
      writeSync(this.fd, bytes, 0, bytes.length, 4 * ((r0 + r) * this.cols + c0));
    }
  }

  async copyTo(out: MatrixRowSink): Promise<void> {
    const block = Math.max(1, Math.min(this.rows, COPY_ROWS));
    const bytes = new Uint8Array(4 * block * this.cols);
    const view = new DataView(bytes.buffer);
    const values = new Float64Array(block * this.cols);
    for (let r0 = 0; r0 < this.rows; r0 += block) {
      const n = Math.min(block, this.rows - r0);
      readSync(this.fd, bytes, 0, 4 * n * this.cols, 4 * r0 * this.cols);
      for (let i = 0; i < n * this.cols; i++) values[i] = this.type === "int32" ? view.getInt32(4 * i, true) : view.getFloat32(4 * i, true);
      await out.writeRows(values, 0, n);
    }
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }
}
