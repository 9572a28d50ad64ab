import { Aws, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { RESOURCE_SERVER_ID, Roles, Scopes } from '../../shared/auth';

export interface IdentityProps {
  readonly stage: string;
  /** Defaults to `itsm-<stage>-<account id>`, unique within the region. */
  readonly domainPrefix: string | undefined;
  readonly callbackUrls: readonly string[];
}

/**
 * Who may call the API: people sign in through the Cognito hosted UI (authorization code with
 * PKCE) and carry their role as a group; machine clients use client credentials and carry
 * the resource server's scopes. Both get their tokens from the user pool domain.
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly domain: UserPoolDomain;
  /** Public client for browser and CLI apps acting for a person. */
  readonly peopleClient: UserPoolClient;
  /** Confidential client for integrations (monitoring, chat bots) acting for themselves. */
  readonly machineClient: UserPoolClient;

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `itsm-${props.stage}`,
      // Administrators invite people; an ITSM is not open to the internet.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      // Threat protection (compromised credentials, adaptive authentication) needs the Plus plan.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Lower precedence wins when a person is in several groups.
    Roles.toReversed().forEach((role, precedence) => {
      this.userPool.addGroup(`Group-${role}`, { groupName: role, precedence });
    });

    const scopes = Object.values(Scopes).map(
      (fullName) =>
        new ResourceServerScope({
          scopeName: fullName.slice(RESOURCE_SERVER_ID.length + 1),
          scopeDescription: `Grants ${fullName}`,
        }),
    );
    const resourceServer = this.userPool.addResourceServer('ResourceServer', {
      identifier: RESOURCE_SERVER_ID,
      scopes,
    });
    const apiScopes = scopes.map((scope) => OAuthScope.resourceServer(resourceServer, scope));

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: {
        domainPrefix: props.domainPrefix ?? Fn.join('-', ['itsm', props.stage, Aws.ACCOUNT_ID]),
      },
    });

    this.peopleClient = this.userPool.addClient('PeopleClient', {
      generateSecret: false,
      preventUserExistenceErrors: true,
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        // No secret: a public client proves it started the sign-in with PKCE instead.
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE, ...apiScopes],
        callbackUrls: [...props.callbackUrls],
      },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    this.machineClient = this.userPool.addClient('MachineClient', {
      generateSecret: true,
      preventUserExistenceErrors: true,
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: { flows: { clientCredentials: true }, scopes: apiScopes },
      accessTokenValidity: Duration.hours(1),
    });
  }

  /** Where clients exchange codes and client credentials for tokens. */
  get tokenEndpoint(): string {
    return `${this.domain.baseUrl()}/oauth2/token`;
  }
}
