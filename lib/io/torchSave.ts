/**
 * The tensors of a file written by torch.save (PyTorch ≥ 1.6, the ZIP format): `<archive>/data.pkl` is a pickle
 * whose tensors are calls of torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …) and whose storages
 * are persistent ids ('storage', torch.FloatStorage, key, location, numel) pointing at `<archive>/data/<key>`.
 * A small pickle machine (the opcodes of protocols 2–5 that torch.save emits) rebuilds the top-level dict; its
 * float/double/half/int/long tensors come back as float64 arrays in C order (any strides), with their dtype.
 * Objects other than tensors, dicts, lists, tuples and scalars are kept opaque. Nothing is executed.
 */
import { isZip, readZip } from "./zip.ts";

export class TorchSaveError extends Error {
  override readonly name = "TorchSaveError";
}

export interface TorchTensor {
  readonly shape: readonly number[];
  /** 'f2' | 'f4' | 'f8' | 'i4' | 'i8' */
  readonly dtype: string;
  readonly data: Float64Array;
}

interface StorageRef {
  readonly storage: string;
  readonly key: string;
  readonly numel: number;
}
interface Global {
  readonly global: string;
}
interface Opaque {
  readonly opaque: string;
}

const STORAGES: Record<string, { dtype: string; width: number }> = {
  "torch.FloatStorage": { dtype: "f4", width: 4 },
  "torch.DoubleStorage": { dtype: "f8", width: 8 },
  "torch.HalfStorage": { dtype: "f2", width: 2 },
  "torch.IntStorage": { dtype: "i4", width: 4 },
  "torch.LongStorage": { dtype: "i8", width: 8 },
};

const MARK = Symbol("mark");

function half(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const f = bits & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** The top-level object of a torch.save file: tensors as TorchTensor, dicts as Map, lists/tuples as arrays. */
export function readTorchSave(bytes: Uint8Array): unknown {
  if (!isZip(bytes)) {
    throw new TorchSaveError(
      "not a ZIP-format torch.save file (saved by PyTorch < 1.6, or not PyTorch): re-save it with a recent " +
        "PyTorch, or save the arrays with numpy (.npy/.npz)",
    );
  }
  const entries = readZip(bytes);
  const pklName = [...entries.keys()].find((n) => n.endsWith("/data.pkl") || n === "data.pkl");
  if (!pklName) throw new TorchSaveError("no data.pkl in the archive: not a torch.save file");
  const prefix = pklName.slice(0, pklName.length - "data.pkl".length);
  const bigEndian = new TextDecoder().decode(entries.get(`${prefix}byteorder`) ?? new Uint8Array()).trim() === "big";

  const tensor = (ref: StorageRef, offset: number, size: number[], stride: number[]): TorchTensor => {
    const kind = STORAGES[ref.storage];
    if (!kind) throw new TorchSaveError(`unsupported tensor storage ${ref.storage} (float, double, half, int, long)`);
    const raw = entries.get(`${prefix}data/${ref.key}`);
    if (!raw) throw new TorchSaveError(`storage ${ref.key} missing from the archive`);
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const little = !bigEndian;
    const read = (i: number): number => {
      const o = i * kind.width;
      if (o + kind.width > raw.length) throw new TorchSaveError(`storage ${ref.key} is too short`);
      switch (kind.dtype) {
        case "f4":
          return v.getFloat32(o, little);
        case "f8":
          return v.getFloat64(o, little);
        case "f2":
          return half(v.getUint16(o, little));
        case "i4":
          return v.getInt32(o, little);
        default:
          return Number(v.getBigInt64(o, little));
      }
    };
    const count = size.reduce((a, b) => a * b, 1);
    const data = new Float64Array(count);
    // C-contiguous little-endian float32/float64 (the usual case, up to N² = 10⁸ entries): one typed-array copy
    let contiguous = true;
    for (let d = size.length - 1, step = 1; d >= 0; step *= size[d], d--)
      if (size[d] > 1 && stride[d] !== step) contiguous = false;
    if (contiguous && !bigEndian && (kind.dtype === "f4" || kind.dtype === "f8")) {
      const start = raw.byteOffset + offset * kind.width;
      if (offset + count > raw.length / kind.width) throw new TorchSaveError(`storage ${ref.key} is too short`);
      const bytes = raw.buffer.slice(start, start + count * kind.width);
      data.set(kind.dtype === "f4" ? new Float32Array(bytes) : new Float64Array(bytes));
      return { shape: size, dtype: kind.dtype, data };
    }
    const idx = new Array<number>(size.length).fill(0);
    for (let n = 0; n < count; n++) {
      let at = offset;
      for (let d = 0; d < size.length; d++) at += idx[d] * stride[d];
      data[n] = read(at);
      for (let d = size.length - 1; d >= 0; d--) {
        if (++idx[d] < size[d]) break;
        idx[d] = 0;
      }
    }
    return { shape: size, dtype: kind.dtype, data };
  };

  const call = (fn: unknown, args: unknown): unknown => {
    const name = (fn as Global | undefined)?.global;
    const a = args as unknown[];
    if (name === "torch._utils._rebuild_tensor_v2" || name === "torch._utils._rebuild_tensor") {
      return tensor(a[0] as StorageRef, a[1] as number, a[2] as number[], a[3] as number[]);
    }
    if (name === "torch._utils._rebuild_parameter") return a[0];
    if (name === "collections.OrderedDict" || name === "builtins.dict") return new Map();
    return { opaque: name ?? "?" } satisfies Opaque;
  };

  const pkl = entries.get(pklName)!;
  const view = new DataView(pkl.buffer, pkl.byteOffset, pkl.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const text = (from: number, len: number) => new TextDecoder().decode(pkl.subarray(from, from + len));
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new TorchSaveError("corrupt pickle: no mark");
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const setItems = (d: unknown, kv: unknown[]) => {
    if (d instanceof Map) for (let i = 0; i + 1 < kv.length; i += 2) d.set(kv[i], kv[i + 1]);
  };
  let p = 0;
  for (;;) {
    if (p >= pkl.length) throw new TorchSaveError("corrupt pickle: no STOP");
    const op = pkl[p++];
    switch (op) {
      case 0x80: // PROTO
        p += 1;
        break;
      case 0x95: // FRAME
        p += 8;
        break;
      case 0x2e: // STOP
        return stack.pop();
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([stack.pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = stack.pop();
        stack.push([stack.pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = stack.pop();
        const b = stack.pop();
        stack.push([stack.pop(), b, c]);
        break;
      }
      case 0x71: // BINPUT
        memo.set(pkl[p++], stack[stack.length - 1]);
        break;
      case 0x72: // LONG_BINPUT
        memo.set(view.getUint32(p, true), stack[stack.length - 1]);
        p += 4;
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, stack[stack.length - 1]);
        break;
      case 0x68: // BINGET
        stack.push(memo.get(pkl[p++]));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memo.get(view.getUint32(p, true)));
        p += 4;
        break;
      case 0x58: {
        // BINUNICODE
        const n = view.getUint32(p, true);
        stack.push(text(p + 4, n));
        p += 4 + n;
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        const n = pkl[p];
        stack.push(text(p + 1, n));
        p += 1 + n;
        break;
      }
      case 0x63: {
        // GLOBAL 'module\nname\n'
        const nl1 = pkl.indexOf(0x0a, p);
        const nl2 = pkl.indexOf(0x0a, nl1 + 1);
        stack.push({ global: `${text(p, nl1 - p)}.${text(nl1 + 1, nl2 - nl1 - 1)}` } satisfies Global);
        p = nl2 + 1;
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = stack.pop() as string;
        stack.push({ global: `${stack.pop() as string}.${name}` } satisfies Global);
        break;
      }
      case 0x4b: // BININT1
        stack.push(pkl[p++]);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(p, true));
        p += 2;
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(p, true));
        p += 4;
        break;
      case 0x8a: {
        // LONG1
        const n = pkl[p++];
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(pkl[p + i]);
        if (n > 0 && pkl[p + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        p += n;
        break;
      }
      case 0x47: // BINFLOAT (big endian)
        stack.push(view.getFloat64(p, false));
        p += 8;
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x43: {
        // SHORT_BINBYTES
        const n = pkl[p];
        stack.push(pkl.subarray(p + 1, p + 1 + n));
        p += 1 + n;
        break;
      }
      case 0x42: {
        // BINBYTES
        const n = view.getUint32(p, true);
        stack.push(pkl.subarray(p + 4, p + 4 + n));
        p += 4 + n;
        break;
      }
      case 0x51: {
        // BINPERSID: ('storage', storage_type, key, location, numel)
        const pid = stack.pop() as unknown[];
        if (!Array.isArray(pid) || pid[0] !== "storage") throw new TorchSaveError("unsupported persistent id");
        stack.push({ storage: (pid[1] as Global).global, key: String(pid[2]), numel: Number(pid[4]) });
        break;
      }
      case 0x52: {
        // REDUCE
        const args = stack.pop();
        stack.push(call(stack.pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = stack.pop();
        stack.push(call(stack.pop(), args));
        break;
      }
      case 0x62: // BUILD: state of an opaque object (or of a tensor: its Python attributes), dropped
        stack.pop();
        break;
      case 0x73: {
        // SETITEM
        const v = stack.pop();
        const k = stack.pop();
        setItems(stack[stack.length - 1], [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(stack[stack.length - 1], kv);
        break;
      }
      case 0x61: {
        // APPEND
        const v = stack.pop();
        (stack[stack.length - 1] as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        (stack[stack.length - 1] as unknown[]).push(...items);
        break;
      }
      default:
        throw new TorchSaveError(
          `unsupported pickle opcode 0x${op.toString(16)} at byte ${p - 1} of ${pklName} (save tensors in a dict)`,
        );
    }
  }
}

/** The named tensors of a torch.save file holding a dict (e.g. {'NTK_train_train': K, 'target_train_train': d}). */
export function torchSaveTensors(bytes: Uint8Array): Map<string, TorchTensor> {
  const top = readTorchSave(bytes);
  if (!(top instanceof Map)) throw new TorchSaveError("the file does not hold a dict of tensors");
  const out = new Map<string, TorchTensor>();
  for (const [k, v] of top)
    if (typeof k === "string" && v !== null && typeof v === "object" && "data" in v) out.set(k, v as TorchTensor);
  return out;
}
