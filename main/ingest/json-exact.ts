/**
 * JSON.parse that keeps integers beyond 2^53 exact. JSON.parse reads every number as a
 * double, so NXLog's Keywords -9223372036854775808 (0x8000000000000000 as a signed 64-bit
 * value) became -9223372036854776000, a value the evidence never held; Node 20's
 * JSON.parse gives a reviver no access to the source text. Integer literals that are not
 * safe integers are read as strings holding their digits exactly as written: evidence
 * fields are text in the case anyway (numeric columns such as RecordNumber get the same
 * double as before). Everything else, and every record without a run of 16 digits,
 * goes to JSON.parse as it is.
 */

const MAYBE_LONG = /\d{16}/;
const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;
const isDigit = (c: number) => c >= 48 && c <= 57;
/** Digits, '.', 'e', 'E', '+', '-': what a JSON number token is made of. */
const isNumberChar = (c: number) => isDigit(c) || c === 46 || c === 101 || c === 69 || c === 43 || c === MINUS;

/** The text with every unsafe integer literal in a value position quoted; the same string when there is none. */
export function quoteLongIntegers(text: string): string {
  let out = '';
  let last = 0;
  /** Open containers outside strings: true for an array. */
  const arrays: boolean[] = [];
  /** Last character outside strings and whitespace before the current token. */
  let prev = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string (most of a record's text) with indexOf: its end is the first quote after an even run of backslashes.
      for (let from = i + 1; ; ) {
        const q = text.indexOf('"', from);
        if (q < 0) return last === 0 ? text : out + text.slice(last); // an unterminated string: JSON.parse will say so
        let b = 0;
        while (text.charCodeAt(q - 1 - b) === BACKSLASH) b++;
        if (b % 2 === 0) {
          i = q;
          break;
        }
        from = q + 1;
      }
      prev = QUOTE;
      continue;
    }
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    if (c === 123 || c === 91) arrays.push(c === 91);
    else if (c === 125 || c === 93) arrays.pop();
    else if (c === MINUS || isDigit(c)) {
      let j = c === MINUS ? i + 1 : i;
      const first = j;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      // A fraction or exponent: a double, not an integer; take the whole token as it is.
      let end = j;
      while (end < n && isNumberChar(text.charCodeAt(end))) end++;
      const digits = j - first;
      // Only a well-formed integer (no leading zero) in a value position: after ':', '[' or an array's ','.
      // Anything else is left for JSON.parse to refuse as before (a number as a key stays an error).
      const valuePosition = prev === 58 || prev === 91 || (prev === 44 && arrays[arrays.length - 1] === true);
      if (end === j && digits >= 16 && text.charCodeAt(first) !== 48 && valuePosition && !Number.isSafeInteger(Number(text.slice(i, j)))) {
        out += text.slice(last, i) + '"' + text.slice(i, j) + '"';
        last = j;
      }
      i = end - 1;
      prev = 48;
      continue;
    }
    prev = c;
  }
  return last === 0 ? text : out + text.slice(last);
}

export function parseJsonExact(text: string): unknown {
  const quoted = MAYBE_LONG.test(text) ? quoteLongIntegers(text) : text;
  if (quoted === text) return JSON.parse(text);
  try {
    return JSON.parse(quoted);
  } catch {
    return JSON.parse(text); // throws too, with positions in the text as it is
  }
}
