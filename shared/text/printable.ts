/**
 * Evidence text made safe for a terminal or a one-line display: control characters
 * (which could move the cursor, rewrite the screen or hide text) are shown as \xNN.
 */
export function printable(s: string, maxLength = Infinity): string {
  // eslint-disable-next-line no-control-regex
  const out = s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return out.length > maxLength ? `${out.slice(0, maxLength - 1)}…` : out;
}
