/**
 * Stable identities (pure): canonical JSON (keys sorted, numbers as JSON writes them, −0 as 0) and a
 * SHA-256 digest of it, shortened to 16 hex digits (64 bits: collisions are negligible for any sweep).
 */
import { createHash } from "node:crypto";

export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`canonicalJson: non-finite number ${value}`);
    return Object.is(value, -0) ? "0" : JSON.stringify(value);
  }
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (ArrayBuffer.isView(value)) return canonicalJson(Array.from(value as unknown as ArrayLike<number>));
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
}

export function digest(data: string | Uint8Array, length = 16): string {
  return createHash("sha256").update(data).digest("hex").slice(0, length);
}

export function hashOf(value: unknown, length = 16): string {
  return digest(canonicalJson(value), length);
}
