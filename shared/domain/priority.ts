/**
 * Priority is derived, never set: `matrix[impact - 1][urgency - 1]`, with impact and urgency
 * 1 High .. 3 Low and priority 1 Critical .. 5 Planning. The matrix is configuration, so it is
 * parsed (and rejected loudly) at cold start rather than trusted.
 */
export type PriorityMatrix = readonly (readonly number[])[];

export const DEFAULT_PRIORITY_MATRIX: PriorityMatrix = Object.freeze([
  Object.freeze([1, 2, 3]),
  Object.freeze([2, 3, 4]),
  Object.freeze([3, 4, 5]),
]);

const LEVELS = 3;
const MIN_PRIORITY = 1;
const MAX_PRIORITY = 5;

export class InvalidPriorityMatrixError extends Error {
  override readonly name = 'InvalidPriorityMatrixError';
}

/** Parses a 3x3 JSON array of integers 1..5, rows by impact and columns by urgency. */
export function parsePriorityMatrix(json: string): PriorityMatrix {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new InvalidPriorityMatrixError(
      `Priority matrix is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(parsed) || parsed.length !== LEVELS) {
    throw new InvalidPriorityMatrixError(
      `Priority matrix must be an array of ${LEVELS} rows (one per impact 1..${LEVELS}).`,
    );
  }
  return Object.freeze(
    parsed.map((row: unknown, rowIndex) => {
      const impact = rowIndex + 1;
      if (!Array.isArray(row) || row.length !== LEVELS) {
        throw new InvalidPriorityMatrixError(
          `Priority matrix row for impact ${impact} must be an array of ${LEVELS} priorities (one per urgency 1..${LEVELS}).`,
        );
      }
      return Object.freeze(
        row.map((cell: unknown, columnIndex) => {
          if (
            typeof cell !== 'number' ||
            !Number.isInteger(cell) ||
            cell < MIN_PRIORITY ||
            cell > MAX_PRIORITY
          ) {
            throw new InvalidPriorityMatrixError(
              `Priority matrix cell for impact ${impact}, urgency ${columnIndex + 1} must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got ${JSON.stringify(cell)}.`,
            );
          }
          return cell;
        }),
      );
    }),
  );
}

export function derivePriority(matrix: PriorityMatrix, impact: number, urgency: number): number {
  const priority = matrix[impact - 1]?.[urgency - 1];
  if (priority === undefined) {
    throw new RangeError(
      `No priority for impact ${impact} and urgency ${urgency}: both must be 1..${LEVELS}.`,
    );
  }
  return priority;
}
