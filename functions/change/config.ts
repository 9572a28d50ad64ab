import { jsonVariable, readConfig } from '../../shared/config';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import * as z from '../../shared/zod';
import {
  CHANGE_ENVIRONMENT,
  type ChangeManagementSettings,
  ChangeManagementSettingsSchema,
} from './settings';

const setting = ChangeManagementSettingsSchema.shape;

/** The change area's configuration, read once at cold start; invalid values fail fast. */
export const config = readConfig(
  z.object({
    [TABLE_NAME_ENV]: z.string().check(z.minLength(1)),
    [CHANGE_ENVIRONMENT.approverGroups]: jsonVariable(setting.approverGroups),
    [CHANGE_ENVIRONMENT.cabGroup]: setting.cabGroup,
    [CHANGE_ENVIRONMENT.emergencyCabGroup]: setting.emergencyCabGroup,
    [CHANGE_ENVIRONMENT.approvalPolicies]: jsonVariable(setting.approvalPolicies),
    [CHANGE_ENVIRONMENT.businessHours]: jsonVariable(setting.businessHours),
    [CHANGE_ENVIRONMENT.maintenanceWindows]: jsonVariable(setting.maintenanceWindows),
    [CHANGE_ENVIRONMENT.riskImpactDepth]: jsonVariable(setting.riskImpactDepth),
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
