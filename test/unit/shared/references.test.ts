import { describe, expect, it } from 'vitest';
import { ciEntity } from '../../../functions/cmdb/entities';
import { incidentEntity } from '../../../functions/incident/entities';
import { configurationItemReference } from '../../../shared/db/configuration-item-reference';
import { incidentReference } from '../../../shared/db/incident-reference';

describe('read-only references to other areas’ items', () => {
  it('the CI reference reads the very item the CMDB writes', () => {
    const owner = ciEntity.get({ id: 'ci-42' }).params({ table: 't' });
    const reader = configurationItemReference.get({ id: 'ci-42' }).params({ table: 't' });
    expect(reader.Key).toEqual(owner.Key);
  });

  it('the incident reference reads the very item the incident area writes, by id and number', () => {
    const owner = incidentEntity.get({ id: 'inc-7' }).params({ table: 't' });
    const reader = incidentReference.get({ id: 'inc-7' }).params({ table: 't' });
    expect(reader.Key).toEqual(owner.Key);

    const ownerByNumber = incidentEntity.query
      .byNumber({ number: 'INC0001001' })
      .params({ table: 't' });
    const readerByNumber = incidentReference.query
      .byNumber({ number: 'INC0001001' })
      .params({ table: 't' });
    expect(readerByNumber.ExpressionAttributeValues).toEqual(
      ownerByNumber.ExpressionAttributeValues,
    );
    expect(readerByNumber.IndexName).toBe(ownerByNumber.IndexName);
  });
});
