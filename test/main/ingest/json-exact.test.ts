/** JSON with integers beyond 2^53: kept exact as text, everything else parsed as JSON.parse does. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonExact, quoteLongIntegers } from '../../../main/ingest/json-exact';

const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('parseJsonExact', () => {
  it('keeps unsafe integers as their digits, in objects, arrays and nested values', () => {
    const text = '{"Keywords":-9223372036854775808,"a":[18446744073709551615, 1, -9214364837600034816],"o":{"x": 9007199254740993},"safe":9007199254740991,"n":-12}';
    assert.deepEqual(parseJsonExact(text), {
      Keywords: '-9223372036854775808',
      a: ['18446744073709551615', 1, '-9214364837600034816'],
      o: { x: '9007199254740993' },
      safe: 9007199254740991,
      n: -12,
    });
    assert.equal((JSON.parse(text) as { Keywords: number }).Keywords.toString(), '-9223372036854776000', 'what JSON.parse alone gives');
  });

  it('leaves strings, doubles and exponents alone', () => {
    const text = '{"s":"12345678901234567890","e":"a\\"12345678901234567890","d":1234567890123456789.5,"x":12345678901234567e3,"k":"\\\\"}';
    assert.equal(quoteLongIntegers(text), text);
    assert.deepEqual(parseJsonExact(text), JSON.parse(text));
  });

  it('leaves invalid JSON invalid, with the error JSON.parse gives for the text as it is', () => {
    for (const bad of [
      '{"a":1, 12345678901234567890: 2}', // a number as a key
      '{12345678901234567890: 2}',
      '{"a":012345678901234567890}', // a leading zero
      '{"a":12345678901234567890 "b":1}',
      '{"a":12345678901234567890,"b":tru}',
    ]) {
      assert.throws(() => parseJsonExact(bad), bad);
      assert.equal(errorOf(() => parseJsonExact(bad)), errorOf(() => JSON.parse(bad)), bad);
    }
  });
});
