import { describe, expect, it } from 'vitest';
import { ciEntity } from '../../../functions/cmdb/entities';
import { configurationItemReference } from '../../../shared/db/configuration-item-reference';

describe('the configuration item reference', () => {
  it('reads the very item the CMDB writes', () => {
    const owner = ciEntity.get({ id: 'ci-42' }).params({ table: 't' });
    const reader = configurationItemReference.get({ id: 'ci-42' }).params({ table: 't' });
    expect(reader.Key).toEqual(owner.Key);
  });
});
