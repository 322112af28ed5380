/**
 * Static payload decoding, shown beside the raw text: PowerShell -EncodedCommand and
 * FromBase64String blobs (UTF-16LE or UTF-8), base64 string literals in VBScript/JScript,
 * gzip/deflate stages, character-code arrays and string concatenation. Decoded stages are
 * decoded again (bounded depth and size). Nothing is ever executed: this only rewrites text.
 */
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { DecodedPayload } from '../../shared/model/subscription';

const MAX_DEPTH = 4;
const MAX_STAGES = 24;
const MAX_OUTPUT = 1 << 20;

function snippet(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** Share of printable characters (text-likeness). */
function printableRatio(s: string): number {
  if (s.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || (c >= 160 && c !== 0xfffd)) ok++;
  }
  return ok / s.length;
}

function looksUtf16le(b: Buffer): boolean {
  if (b.length < 4) return false;
  let zeros = 0;
  const n = Math.min(b.length, 400);
  for (let i = 1; i < n; i += 2) if (b[i] === 0) zeros++;
  return zeros / Math.floor(n / 2) > 0.6;
}

function b64bytes(s: string): Buffer | null {
  const t = s.replace(/\s+/g, '');
  if (t.length < 8 || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return null;
  const b = Buffer.from(t, 'base64');
  return b.length ? b : null;
}

/** Bytes to text, following compression: gzip, zlib, raw deflate. */
function bytesToText(b: Buffer, methods: string[]): string | null {
  try {
    if (b[0] === 0x1f && b[1] === 0x8b) {
      methods.push('gzip');
      return bytesToText(gunzipSync(b, { maxOutputLength: MAX_OUTPUT }), methods);
    }
  } catch {
    return null;
  }
  if (looksUtf16le(b)) {
    methods.push('utf16le');
    return b.toString('utf16le');
  }
  const u = b.toString('utf8');
  if (printableRatio(u) > 0.9) {
    methods.push('utf8');
    return u;
  }
  // Maybe raw deflate (PowerShell DeflateStream) or zlib.
  for (const [name, f] of [['deflate', inflateRawSync], ['zlib', inflateSync]] as const) {
    try {
      const out = f(b, { maxOutputLength: MAX_OUTPUT });
      const txt = bytesToText(out, methods);
      if (txt !== null && printableRatio(txt) > 0.9) {
        methods.splice(methods.length - 1, 0, name);
        return txt;
      }
    } catch {
      /* not compressed */
    }
  }
  return null;
}

type Stage = DecodedPayload;

function decodeB64Blob(blob: string, label: string, preferUtf16: boolean): Stage | null {
  const b = b64bytes(blob);
  if (!b) return null;
  const methods: string[] = [];
  let text: string | null;
  if (preferUtf16 && !(b[0] === 0x1f && b[1] === 0x8b)) {
    text = b.toString('utf16le');
    methods.push('utf16le');
    if (printableRatio(text) < 0.8) {
      methods.length = 0;
      text = bytesToText(b, methods);
    }
  } else text = bytesToText(b, methods);
  if (text === null || printableRatio(text) < 0.8) return null;
  return { method: `${label}(${methods.join('+')})`, from: snippet(blob), text: text.replace(/\0+$/, '') };
}

/** PowerShell -e/-en/-enc/-EncodedCommand (any abbreviation, any dash) followed by base64. */
const ENC_RE = /(?:^|\s)[-/\u2013\u2014\u2015]e(?:c|n|nc|nco|ncod|ncode|ncoded|ncodedc|ncodedco|ncodedcom|ncodedcomm|ncodedcomma|ncodedcomman|ncodedcommand)?\s+["']?([A-Za-z0-9+/=]{16,})/gi;
const FROMB64_RE = /FromBase64String\s*\(\s*(?:\$\w+\s*=\s*)?["']\s*([A-Za-z0-9+/=\s]{16,}?)\s*["']\s*\)/gi;
const B64_LITERAL_RE = /["']([A-Za-z0-9+/]{40,}={0,2})["']/g;
const CHARCODE_LIST_RE = /(?:\[char\[\]\]\s*\(?|String\.fromCharCode\s*\(|\[string\]::join\(\s*['"]{2}\s*,\s*\(?)\s*((?:0x[0-9a-f]+|\d{1,6})(?:\s*,\s*(?:0x[0-9a-f]+|\d{1,6})){2,})/gi;
const CHR_SEQ_RE = /(?:Chr[WB]?\s*\(\s*\d{1,5}\s*\)\s*[&+]\s*){2,}Chr[WB]?\s*\(\s*\d{1,5}\s*\)/gi;
const CONCAT_RE = /(?:(["'])(?:(?!\1).){0,400}\1\s*[+&]\s*){1,}(["'])(?:(?!\2).){0,400}\2/g;

function charCodes(list: string): string {
  return list
    .split(',')
    .map((x) => x.trim())
    .map((x) => (x.toLowerCase().startsWith('0x') ? parseInt(x, 16) : Number(x)))
    .filter((n) => Number.isFinite(n) && n >= 0 && n <= 0x10ffff)
    .map((n) => String.fromCodePoint(n))
    .join('');
}

function stagesOf(text: string): Stage[] {
  const out: Stage[] = [];
  const seen = new Set<string>();
  const add = (s: Stage | null) => {
    if (!s || s.text.trim() === '' || seen.has(s.text)) return;
    seen.add(s.text);
    out.push(s);
  };
  for (const m of text.matchAll(ENC_RE)) add(decodeB64Blob(m[1], 'powershell-encodedcommand', true));
  for (const m of text.matchAll(FROMB64_RE)) add(decodeB64Blob(m[1], 'frombase64string', false));
  for (const m of text.matchAll(B64_LITERAL_RE)) {
    if (out.some((s) => s.from === snippet(m[1]))) continue;
    add(decodeB64Blob(m[1], 'base64-literal', false));
  }
  for (const m of text.matchAll(CHARCODE_LIST_RE)) {
    const t = charCodes(m[1]);
    if (printableRatio(t) > 0.9) add({ method: 'char-codes', from: snippet(m[0]), text: t });
  }
  for (const m of text.matchAll(CHR_SEQ_RE)) {
    const nums = [...m[0].matchAll(/\(\s*(\d{1,5})\s*\)/g)].map((x) => x[1]).join(',');
    const t = charCodes(nums);
    if (printableRatio(t) > 0.9) add({ method: 'char-codes', from: snippet(m[0]), text: t });
  }
  for (const m of text.matchAll(CONCAT_RE)) {
    const parts = [...m[0].matchAll(/(["'])((?:(?!\1).)*)\1/g)].map((x) => x[2]);
    if (parts.length < 2) continue;
    const joined = parts.join('');
    if (joined.length >= 6) add({ method: 'concatenation', from: snippet(m[0]), text: joined });
  }
  return out;
}

/** Every decodable stage of a payload, outermost first; [] when nothing is encoded. */
export function decodePayload(raw: string): DecodedPayload[] {
  const out: DecodedPayload[] = [];
  const seen = new Set<string>([raw]);
  let frontier: Array<{ text: string; depth: number }> = [{ text: raw, depth: 0 }];
  let total = 0;
  while (frontier.length && out.length < MAX_STAGES) {
    const next: Array<{ text: string; depth: number }> = [];
    for (const f of frontier) {
      if (f.depth >= MAX_DEPTH) continue;
      for (const s of stagesOf(f.text)) {
        if (seen.has(s.text)) continue;
        seen.add(s.text);
        total += s.text.length;
        if (total > MAX_OUTPUT || out.length >= MAX_STAGES) break;
        out.push(s);
        next.push({ text: s.text, depth: f.depth + 1 });
      }
    }
    frontier = next;
  }
  return out;
}
