import { describe, expect, it } from 'vitest';
import { ConfigurationError, readConfig } from '../../../shared/config';
import { wholeNumber } from '../../../shared/validation';
import * as z from '../../../shared/zod';

const schema = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  LIMIT: z._default(z.coerce.number().check(wholeNumber), 5),
});

describe('readConfig', () => {
  it('parses and defaults the environment', () => {
    expect(readConfig(schema, { TABLE_NAME: 't' })).toEqual({ TABLE_NAME: 't', LIMIT: 5 });
    expect(readConfig(schema, { TABLE_NAME: 't', LIMIT: '7' })).toEqual({
      TABLE_NAME: 't',
      LIMIT: 7,
    });
  });

  it('fails fast naming every missing or malformed variable', () => {
    expect(() => readConfig(schema, { LIMIT: 'many' })).toThrow(ConfigurationError);
    expect(() => readConfig(schema, { LIMIT: 'many' })).toThrow(
      /TABLE_NAME.*LIMIT|LIMIT.*TABLE_NAME/,
    );
  });
});
