// Splits a buffer at the given offsets (taken modulo length+1, deduplicated, sorted): the one
// chunking helper the codec and recording property tests share.

export function splitAtOffsets(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}
