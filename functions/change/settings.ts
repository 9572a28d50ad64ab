import { ApprovalPolicySchema } from '../../shared/events/changes';
import * as z from '../../shared/zod';
import {
  type ApprovalPoliciesByPath,
  DEFAULT_APPROVAL_POLICIES,
  type WeeklySchedule,
  WeeklyScheduleSchema,
} from './domain';

/**
 * The change area's deploy-time settings (docs/changes.md, "Settings"), with their defaults.
 * Free of side effects, so that the CDK app can validate them; the functions read them from
 * their environment (config.ts), one variable each (CHANGE_ENVIRONMENT).
 */

/** Monday to Friday, 08:00 to 18:00 UTC. */
export const DEFAULT_BUSINESS_HOURS: WeeklySchedule = {
  timeZone: 'UTC',
  slots: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({
    day,
    start: '08:00',
    end: '18:00',
  })),
};

const group = z.string().check(z.minLength(1), z.maxLength(128));

export const ApproverGroupsSchema = z
  .record(group, z.array(z.string().check(z.minLength(1), z.maxLength(128))))
  .check(z.describe('Members of each approver group: the CAB, the emergency CAB, CI owner groups'));

export const ApprovalPoliciesSchema = z.pipe(
  z.strictObject({
    'ci-owners': z.optional(ApprovalPolicySchema),
    cab: z.optional(ApprovalPolicySchema),
    'emergency-cab': z.optional(ApprovalPolicySchema),
  }),
  z.transform(
    (given): ApprovalPoliciesByPath => ({
      'ci-owners': given['ci-owners'] ?? DEFAULT_APPROVAL_POLICIES['ci-owners'],
      cab: given.cab ?? DEFAULT_APPROVAL_POLICIES.cab,
      'emergency-cab': given['emergency-cab'] ?? DEFAULT_APPROVAL_POLICIES['emergency-cab'],
    }),
  ),
);

/**
 * Maintenance windows, a setting rather than a CI attribute (docs/changes.md): per CI id, or
 * per owner group for all the CIs it owns; a CI's own entry wins. A CI with neither may be
 * changed at any time.
 */
export const MaintenanceWindowsSchema = z.strictObject({
  cis: z._default(z.record(z.string().check(z.minLength(1)), WeeklyScheduleSchema), {}),
  ownerGroups: z._default(z.record(group, WeeklyScheduleSchema), {}),
});

export const ChangeManagementSettingsSchema = z.strictObject({
  approverGroups: z._default(ApproverGroupsSchema, {}),
  cabGroup: z._default(group, 'cab'),
  emergencyCabGroup: z._default(group, 'emergency-cab'),
  /** Per approval path; a path not given keeps DEFAULT_APPROVAL_POLICIES. */
  approvalPolicies: z.prefault(ApprovalPoliciesSchema, {}),
  businessHours: z._default(WeeklyScheduleSchema, DEFAULT_BUSINESS_HOURS),
  maintenanceWindows: z.prefault(MaintenanceWindowsSchema, {}),
  /** How far the impact walk looks from a change's CIs for its blast radius. */
  riskImpactDepth: z._default(z.int().check(z.minimum(0), z.maximum(8)), 3),
});
export type ChangeManagementSettings = z.output<typeof ChangeManagementSettingsSchema>;

/** Environment variable of each setting; JSON for the structured ones. */
export const CHANGE_ENVIRONMENT = {
  approverGroups: 'CHANGE_APPROVER_GROUPS',
  cabGroup: 'CHANGE_CAB_GROUP',
  emergencyCabGroup: 'CHANGE_EMERGENCY_CAB_GROUP',
  approvalPolicies: 'CHANGE_APPROVAL_POLICIES',
  businessHours: 'CHANGE_BUSINESS_HOURS',
  maintenanceWindows: 'CHANGE_MAINTENANCE_WINDOWS',
  riskImpactDepth: 'CHANGE_RISK_IMPACT_DEPTH',
} as const satisfies Record<keyof ChangeManagementSettings, string>;

/** The settings as the functions' environment (Lambda allows 4 KB of variables in all). */
export function changeEnvironment(settings: ChangeManagementSettings): Record<string, string> {
  return Object.fromEntries(
    Object.entries(CHANGE_ENVIRONMENT).map(([key, variable]) => {
      const value = settings[key as keyof ChangeManagementSettings];
      return [variable, typeof value === 'string' ? value : JSON.stringify(value)];
    }),
  );
}
