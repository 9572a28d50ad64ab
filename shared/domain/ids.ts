import { v5 as uuidv5 } from 'uuid';

/** The UUID namespace of ids derived rather than drawn (problem candidates, follow-up notes). */
const DERIVED_ID_NAMESPACE = 'd0522823-2c54-417c-93ce-c4cdeb2034ad';

/**
 * A name-based UUID (v5) of `parts`: the same parts always give the same id, so an effect
 * planned twice (a replayed event, a retried request) is written once by a conditional put.
 * The parts are JSON-encoded, so no two different lists share a name.
 */
export function derivedId(...parts: readonly (string | number)[]): string {
  return uuidv5(JSON.stringify(parts), DERIVED_ID_NAMESPACE);
}
