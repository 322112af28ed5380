import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileCondition, parseCondition } from '../../../../main/detection/sigma/condition';
import { SigmaRuleError, UnsupportedFeature } from '../../../../main/detection/sigma/modifiers';

/** Evaluate a condition where each named search is a fixed boolean. */
function ev(cond: string, values: Record<string, boolean>): boolean {
  const searches = new Map(Object.entries(values).map(([k, v]) => [k, () => v] as [string, (x: null) => boolean]));
  return compileCondition(parseCondition(cond), searches)(null);
}

describe('condition', () => {
  test('precedence: not > and > or', () => {
    assert.equal(ev('a or b and c', { a: true, b: false, c: false }), true);
    assert.equal(ev('a or b and c', { a: false, b: true, c: false }), false);
    assert.equal(ev('not a and b', { a: false, b: true }), true);
    assert.equal(ev('not a and b', { a: true, b: true }), false);
    assert.equal(ev('not (a and b)', { a: true, b: false }), true);
  });
  test('parentheses and case-insensitive operators', () => {
    assert.equal(ev('(a OR b) AND NOT c', { a: false, b: true, c: false }), true);
    assert.equal(ev('(a or b) and not c', { a: false, b: true, c: true }), false);
  });
  test('1 of / all of / N of with wildcards and them', () => {
    const v = { selection_a: true, selection_b: false, filter_x: true, _private: false };
    assert.equal(ev('1 of selection_*', v), true);
    assert.equal(ev('all of selection_*', v), false);
    assert.equal(ev('any of selection_*', v), true);
    assert.equal(ev('2 of selection_*', v), false);
    assert.equal(ev('2 of them', v), true);
    assert.equal(ev('all of them', { a: true, b: true }), true);
    assert.equal(ev('all of them', { a: true, b: false }), false);
    assert.equal(ev('1 of selection_* and not 1 of filter_*', v), false);
  });
  test('errors name the problem', () => {
    assert.throws(() => ev('a and', { a: true }), SigmaRuleError);
    assert.throws(() => ev('(a or b', { a: true, b: true }), /expected '\)'/);
    assert.throws(() => ev('a and missing', { a: true }), /'missing', which the detection does not define/);
    assert.throws(() => ev('1 of nothing_*', { a: true }), /matches no search identifier/);
    assert.throws(() => ev('x of a*', { a: true }), /needs 'all', 'any' or a positive number/);
    assert.throws(() => parseCondition('selection | count() > 5'), UnsupportedFeature);
  });
});
