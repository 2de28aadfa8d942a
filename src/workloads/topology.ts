/**
 * SCALE-Sim topology files (scale-sim-v2 `topologies/`): one layer per line, in one of two formats
 * told apart by the header line.
 *
 * - conv: `Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,`
 *   The IFMAP sizes include any padding, so the output is (IFMAP - Filter) / Stride + 1 per side
 *   (rounded down). As a matrix product (im2col): M = output pixels, K = Fh * Fw * Channels,
 *   N = filters.
 * - GEMM: `Layer, M, N, K,` — SCALE-Sim maps it to a convolution with an M x K input, a 1 x K filter,
 *   one channel and N filters; that is the product of an M x K matrix by a K x N one.
 *
 * Lines end with a comma (SCALE-Sim's parser drops the last field) and fields may be padded with
 * spaces; CRLF line ends, blank lines and a missing final newline are fine. Names may be numbers.
 */
import { UserInputError } from "../errors.js";
import { readInputText } from "../data/read-input.js";

export interface ConvShape {
  ifmapHeight: number;
  ifmapWidth: number;
  filterHeight: number;
  filterWidth: number;
  channels: number;
  filters: number;
  stride: number;
  outputHeight: number;
  outputWidth: number;
}

export interface TopologyLayer {
  /** Position in the file, from 0. */
  index: number;
  name: string;
  /** 1-based line in the file. */
  line: number;
  kind: "conv" | "gemm";
  /** The matrix product the layer is: A (m x k) · B (k x n). */
  m: number;
  k: number;
  n: number;
  conv: ConvShape | null;
}

export interface Topology {
  file: string;
  format: "conv" | "gemm";
  layers: TopologyLayer[];
}

const CONV_HEADER = ["layer name", "ifmap height", "ifmap width", "filter height", "filter width", "channels", "num filter", "strides"];
const GEMM_HEADER = ["layer", "m", "n", "k"];

/** Fields of a line: split on commas, trimmed, one trailing empty field (the final comma) dropped. */
function fieldsOf(line: string): string[] {
  const fields = line.split(",").map((f) => f.trim());
  if (fields.length > 1 && fields[fields.length - 1] === "") fields.pop();
  return fields;
}

export function parseTopology(text: string, file: string): Topology {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first < 0) throw new UserInputError("empty file: expected a SCALE-Sim topology header line", { file, line: 1 });
  const header = fieldsOf(lines[first]).map((f) => f.toLowerCase().replace(/\s+/g, " "));
  const same = (want: string[]) => header.length === want.length && header.every((h, i) => h === want[i] || (i === 0 && (h === "layer" || h === "layer name")));
  const format = same(CONV_HEADER) ? "conv" : same(GEMM_HEADER) ? "gemm" : null;
  if (format === null) {
    throw new UserInputError(
      `unknown header "${lines[first].trim()}": expected "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides," (convolutions) or "Layer, M, N, K," (GEMMs)`,
      { file, line: first + 1 },
    );
  }
  const layers: TopologyLayer[] = [];
  for (let i = first + 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    layers.push(parseLayer(fieldsOf(lines[i]), format, layers.length, file, i + 1));
  }
  if (layers.length === 0) throw new UserInputError("the file has a header but no layers", { file, line: first + 1 });
  return { file, format, layers };
}

function parseLayer(fields: string[], format: "conv" | "gemm", index: number, file: string, line: number): TopologyLayer {
  const want = format === "conv" ? CONV_HEADER.length : GEMM_HEADER.length;
  if (fields.length !== want) {
    throw new UserInputError(`${fields.length} fields where a ${format} layer has ${want} (${format === "conv" ? "name, IFMAP H, W, filter H, W, channels, filters, stride" : "name, M, N, K"})`, { file, line });
  }
  const name = fields[0];
  if (name === "") throw new UserInputError("the layer has no name", { file, line });
  const heading = format === "conv" ? CONV_HEADER : GEMM_HEADER;
  const v = fields.slice(1).map((f, j) => {
    if (!/^\d+$/.test(f) || Number(f) < 1 || !Number.isSafeInteger(Number(f))) {
      throw new UserInputError(`layer ${name}: ${heading[j + 1]} "${f}" is not a whole number >= 1`, { file, line });
    }
    return Number(f);
  });
  if (format === "gemm") return { index, name, line, kind: "gemm", m: v[0], n: v[1], k: v[2], conv: null };
  const [ifmapHeight, ifmapWidth, filterHeight, filterWidth, channels, filters, stride] = v;
  if (filterHeight > ifmapHeight || filterWidth > ifmapWidth) {
    throw new UserInputError(`layer ${name}: the ${filterHeight}x${filterWidth} filter is larger than the ${ifmapHeight}x${ifmapWidth} input`, { file, line });
  }
  const outputHeight = Math.floor((ifmapHeight - filterHeight) / stride) + 1;
  const outputWidth = Math.floor((ifmapWidth - filterWidth) / stride) + 1;
  const conv: ConvShape = { ifmapHeight, ifmapWidth, filterHeight, filterWidth, channels, filters, stride, outputHeight, outputWidth };
  return { index, name, line, kind: "conv", m: outputHeight * outputWidth, k: filterHeight * filterWidth * channels, n: filters, conv };
}

export function loadTopology(path: string): Topology {
  return parseTopology(readInputText(path), path);
}
