/**
 * The change area's settings for the integration tests, set before any change module reads
 * its configuration: each test file starts with `await vi.hoisted(() => import('./environment'))`.
 */
const saturdayNight = {
  timeZone: 'UTC',
  slots: [
    { day: 'sat', start: '22:00', end: '24:00' },
    { day: 'sun', start: '00:00', end: '06:00' },
  ],
};

process.env.CHANGE_APPROVER_GROUPS = JSON.stringify({
  cab: ['cab-1', 'cab-2', 'cab-3'],
  'emergency-cab': ['ecab-1', 'ecab-2'],
  dba: ['dba-lead', 'dba-deputy'],
  network: ['net-lead'],
  'saturday-team': ['sat-lead'],
});
process.env.CHANGE_MAINTENANCE_WINDOWS = JSON.stringify({
  ownerGroups: { 'saturday-team': saturdayNight },
});

export {};
