export function isBlank(text: string | undefined): boolean {
  return text === undefined || text.trim() === '';
}

/**
 * Cleared optional fields are removed, not kept as `undefined`, so a snapshot matches its
 * schema exactly and stores without `removeUndefinedValues`.
 */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, fieldValue]) => fieldValue !== undefined),
  ) as T;
}
