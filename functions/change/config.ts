import * as z from 'zod';
import { readConfig } from '../../shared/config';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import {
  CHANGE_ENVIRONMENT,
  type ChangeManagementSettings,
  ChangeManagementSettingsSchema,
} from './settings';

/** A JSON setting; absent or blank takes the setting's default. */
function jsonSetting<S extends z.ZodType>(setting: S) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected JSON' });
        return z.NEVER;
      }
    })
    .pipe(setting);
}

const setting = ChangeManagementSettingsSchema.shape;

/** The change area's configuration, read once at cold start; invalid values fail fast. */
export const config = readConfig(
  z.object({
    [TABLE_NAME_ENV]: z.string().min(1),
    [CHANGE_ENVIRONMENT.approverGroups]: jsonSetting(setting.approverGroups),
    [CHANGE_ENVIRONMENT.cabGroup]: setting.cabGroup,
    [CHANGE_ENVIRONMENT.emergencyCabGroup]: setting.emergencyCabGroup,
    [CHANGE_ENVIRONMENT.approvalPolicies]: jsonSetting(setting.approvalPolicies),
    [CHANGE_ENVIRONMENT.businessHours]: jsonSetting(setting.businessHours),
    [CHANGE_ENVIRONMENT.maintenanceWindows]: jsonSetting(setting.maintenanceWindows),
    [CHANGE_ENVIRONMENT.riskImpactDepth]: jsonSetting(setting.riskImpactDepth),
  }),
);

export const changeSettings: ChangeManagementSettings = {
  approverGroups: config[CHANGE_ENVIRONMENT.approverGroups],
  cabGroup: config[CHANGE_ENVIRONMENT.cabGroup],
  emergencyCabGroup: config[CHANGE_ENVIRONMENT.emergencyCabGroup],
  approvalPolicies: config[CHANGE_ENVIRONMENT.approvalPolicies],
  businessHours: config[CHANGE_ENVIRONMENT.businessHours],
  maintenanceWindows: config[CHANGE_ENVIRONMENT.maintenanceWindows],
  riskImpactDepth: config[CHANGE_ENVIRONMENT.riskImpactDepth],
};
