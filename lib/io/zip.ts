/**
 * The entries of a ZIP archive (the container of NumPy's .npz and of PyTorch's torch.save files), read from its
 * central directory: stored entries are returned as views of the bytes, deflated ones inflated (node:zlib).
 * Spec: PKWARE APPNOTE.TXT §4.3 (local header 0x04034b50, central header 0x02014b50, end record 0x06054b50,
 * ZIP64 end record 0x06064b50 and locator 0x07064b50 for archives past 4 GiB).
 */
import { inflateRawSync } from "node:zlib";

export class ZipError extends Error {
  override readonly name = "ZipError";
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Whether the bytes start like a ZIP archive (a local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Name → contents of every file entry of the archive. */
export function readZip(bytes: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ZipError("not a ZIP archive (no end of central directory record)");
  let count = view.getUint16(end + 10, true);
  let dirOffset = view.getUint32(end + 16, true);
  if ((count === 0xffff || dirOffset === 0xffffffff) && end >= 20 && view.getUint32(end - 20, true) === ZIP64_LOCATOR) {
    const z64 = Number(view.getBigUint64(end - 20 + 8, true));
    if (view.getUint32(z64, true) !== ZIP64_EOCD) throw new ZipError("corrupt ZIP64 end record");
    count = Number(view.getBigUint64(z64 + 32, true));
    dirOffset = Number(view.getBigUint64(z64 + 48, true));
  }
  const out = new Map<string, Uint8Array>();
  let p = dirOffset;
  for (let e = 0; e < count; e++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) throw new ZipError("corrupt central directory");
    const method = view.getUint16(p + 10, true);
    let compressed = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let local = view.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information (header id 1): the 0xffffffff fields, in the order size, compressed, offset
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = view.getUint16(x, true);
      const len = view.getUint16(x + 2, true);
      if (id === 1) {
        let q = x + 4;
        const next = () => {
          const v = Number(view.getBigUint64(q, true));
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressed === 0xffffffff) compressed = next();
        if (local === 0xffffffff) local = next();
      }
      x += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith("/")) continue;
    if (view.getUint32(local, true) !== LOCAL) throw new ZipError(`corrupt local header of ${name}`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const raw = bytes.subarray(start, start + compressed);
    if (raw.length !== compressed) throw new ZipError(`truncated entry ${name}`);
    if (method === 0) out.set(name, raw);
    else if (method === 8) {
      const data = new Uint8Array(inflateRawSync(raw));
      if (data.length !== size) throw new ZipError(`entry ${name} inflates to ${data.length} bytes, expected ${size}`);
      out.set(name, data);
    } else throw new ZipError(`entry ${name}: unsupported compression method ${method} (stored or deflate only)`);
  }
  return out;
}
