import { describe, expect, it, vi } from 'vitest';
import { numberedAfterChecks } from '../../../shared/db/numbers';
import { ValidationError } from '../../../shared/errors';

describe('numberedAfterChecks', () => {
  it('takes a number only for a draft that passed its checks', async () => {
    const allocate = vi.fn(async () => 'INC0001042');
    const refused = numberedAfterChecks(() => {
      throw new ValidationError([{ field: 'assignee', message: 'needs an assignment group' }]);
    }, allocate);
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    expect(allocate).not.toHaveBeenCalled();

    const created = await numberedAfterChecks(
      (number) => ({ id: 'a', number, shortDescription: 'Mail is down' }),
      allocate,
    );
    expect(created).toEqual({ id: 'a', number: 'INC0001042', shortDescription: 'Mail is down' });
    expect(allocate).toHaveBeenCalledOnce();
  });
});
