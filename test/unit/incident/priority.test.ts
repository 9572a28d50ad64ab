import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PRIORITY_MATRIX,
  derivePriority,
  InvalidPriorityMatrixError,
  parsePriorityMatrix,
} from '../../../functions/incident/domain';

describe('derivePriority with the default matrix', () => {
  // The reference table: impact rows, urgency columns.
  it.each([
    [1, 1, 1],
    [1, 2, 2],
    [1, 3, 3],
    [2, 1, 2],
    [2, 2, 3],
    [2, 3, 4],
    [3, 1, 3],
    [3, 2, 4],
    [3, 3, 5],
  ])('impact %i x urgency %i is priority %i', (impact, urgency, priority) => {
    expect(derivePriority(DEFAULT_PRIORITY_MATRIX, impact, urgency)).toBe(priority);
  });

  it.each([
    [0, 1],
    [4, 1],
    [1, 0],
    [1, 4],
    [1.5, 1],
  ])('rejects impact %s x urgency %s', (impact, urgency) => {
    expect(() => derivePriority(DEFAULT_PRIORITY_MATRIX, impact, urgency)).toThrow(RangeError);
  });
});

describe('parsePriorityMatrix', () => {
  it('parses the default matrix', () => {
    expect(parsePriorityMatrix('[[1,2,3],[2,3,4],[3,4,5]]')).toEqual(DEFAULT_PRIORITY_MATRIX);
  });

  it('gives a custom matrix that derivePriority reads by impact row and urgency column', () => {
    const matrix = parsePriorityMatrix('[[1,1,2],[3,4,5],[5,5,4]]');
    expect(derivePriority(matrix, 1, 3)).toBe(2);
    expect(derivePriority(matrix, 2, 1)).toBe(3);
    expect(derivePriority(matrix, 3, 3)).toBe(4);
  });

  it.each([
    ['not JSON', '[[1,2,3]', /not valid JSON/],
    ['an object', '{"1":[1,2,3]}', /array of 3 rows/],
    ['two rows', '[[1,2,3],[2,3,4]]', /array of 3 rows/],
    ['four rows', '[[1,2,3],[2,3,4],[3,4,5],[3,4,5]]', /array of 3 rows/],
    ['a short row', '[[1,2,3],[2,3],[3,4,5]]', /row for impact 2 must be an array of 3/],
    ['a scalar row', '[[1,2,3],[2,3,4],5]', /row for impact 3 must be an array of 3/],
    ['priority 0', '[[0,2,3],[2,3,4],[3,4,5]]', /impact 1, urgency 1 .* got 0/],
    ['priority 6', '[[1,2,3],[2,3,4],[3,4,6]]', /impact 3, urgency 3 .* got 6/],
    ['a fraction', '[[1,2,3],[2,2.5,4],[3,4,5]]', /impact 2, urgency 2 .* got 2\.5/],
    ['a string', '[[1,"2",3],[2,3,4],[3,4,5]]', /impact 1, urgency 2 .* got "2"/],
    ['null', '[[1,2,3],[2,3,null],[3,4,5]]', /impact 2, urgency 3 .* got null/],
  ])('rejects %s, naming what is wrong', (_case, json, message) => {
    expect(() => parsePriorityMatrix(json)).toThrow(InvalidPriorityMatrixError);
    expect(() => parsePriorityMatrix(json)).toThrow(message);
  });
});
