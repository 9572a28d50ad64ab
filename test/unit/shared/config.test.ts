import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ConfigurationError, readConfig } from '../../../shared/config';

const schema = z.object({
  TABLE_NAME: z.string().min(1),
  LIMIT: z.coerce.number().int().default(5),
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
