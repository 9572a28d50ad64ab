import { inject } from 'vitest';
import { LOCAL_AWS } from '../../local/dynamodb';

// Runs before each integration test file, before it imports any function code: the
// functions read their configuration and build their SDK clients at module scope.
process.env.TABLE_NAME = inject('tableName');
process.env.AWS_ENDPOINT_URL_DYNAMODB = inject('dynamoEndpoint');
process.env.AWS_REGION = LOCAL_AWS.region;
process.env.AWS_ACCESS_KEY_ID = LOCAL_AWS.credentials.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = LOCAL_AWS.credentials.secretAccessKey;
process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
