import { ConfigError, loadConfig, SETTING_NAMES } from '../src/config';

/** The AWS Organizations settings (issue 13); the rest of the configuration is specified in config.spec.ts. */
describe('AWS settings', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it('leaves the feature off without AWS settings', () => {
    expect(loadConfig({}).aws).toBeUndefined();
    expect(loadConfig({ AWS_REGION: 'eu-west-1', RECONCILE_UNUSED_DAYS: '30' }).aws).toBeUndefined();
  });

  it('turns keyless web identity on with a role and an audience, with defaults for the rest', () => {
    const config = loadConfig({
      MicrosoftAppId: '0f1e2d3c-0000-4000-8000-111122223333', // AWS access makes it a deployment
      MicrosoftAppType: 'UserAssignedMSI',
      MicrosoftAppTenantId: '72f988bf-0000-4000-8000-2d7cd011db47',
      AWS_ROLE_ARN: 'arn:aws:iam::111111111111:role/rootmail',
      AWS_WEB_IDENTITY_AUDIENCE: 'api://rootmail-aws/.default',
      AZURE_CLIENT_ID: '0f1e2d3c-0000-4000-8000-111122223333',
      AZURE_TENANT_ID: '72f988bf-0000-4000-8000-2d7cd011db47',
    });
    expect(config.aws).toEqual({
      credentials: {
        kind: 'web-identity',
        roleArn: 'arn:aws:iam::111111111111:role/rootmail',
        audience: 'api://rootmail-aws', // a pasted scope is read as the audience it names
        tenantId: '72f988bf-0000-4000-8000-2d7cd011db47',
        managedIdentityClientId: '0f1e2d3c-0000-4000-8000-111122223333',
      },
      region: 'us-east-1',
      endpoints: { organizations: undefined, account: undefined, sts: undefined, iam: undefined },
      reconcileUnusedDays: 14,
      adoptionCodeMinutes: 60,
      rootAccess: { minutes: 60, startHours: 4 },
    });
  });

  it('uses the AWS SDK environment chain for local runs, and takes endpoint overrides for loopback fakes', () => {
    const config = loadConfig({
      AWS_CREDENTIAL_SOURCE: 'environment',
      AWS_REGION: 'eu-central-1',
      AWS_ENDPOINT_URL_ORGANIZATIONS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_ACCOUNT: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_IAM: 'http://127.0.0.1:4567',
      RECONCILE_UNUSED_DAYS: '30',
      ADOPTION_CODE_MINUTES: '15',
      ROOT_ACCESS_MINUTES: '30',
      ROOT_ACCESS_START_HOURS: '8',
    });
    expect(config.aws).toEqual({
      credentials: { kind: 'environment' },
      region: 'eu-central-1',
      endpoints: {
        organizations: 'http://127.0.0.1:4566',
        account: 'http://127.0.0.1:4566',
        sts: 'http://127.0.0.1:4566',
        iam: 'http://127.0.0.1:4567',
      },
      reconcileUnusedDays: 30,
      adoptionCodeMinutes: 15,
      rootAccess: { minutes: 30, startHours: 8 },
    });
  });

  it('says what is missing or wrong, naming the setting', () => {
    expect(problems({ AWS_ROLE_ARN: 'arn:aws:iam::111111111111:role/rootmail' })).toEqual([
      expect.stringMatching(/^AWS_WEB_IDENTITY_AUDIENCE is required when AWS_ROLE_ARN is set/),
    ]);
    expect(problems({ AWS_WEB_IDENTITY_AUDIENCE: 'api://rootmail-aws' })).toEqual([
      expect.stringMatching(/^AWS_ROLE_ARN is required for web identity.*AWS_CREDENTIAL_SOURCE=environment/),
    ]);
    expect(problems({ AWS_CREDENTIAL_SOURCE: 'web-identity' })).toEqual([
      expect.stringMatching(/^AWS_ROLE_ARN is required/),
    ]);
    const text = problems({
      AWS_ROLE_ARN: 'rootmail',
      AWS_WEB_IDENTITY_AUDIENCE: 'api://rootmail-aws',
      AWS_REGION: 'Frankfurt',
      AWS_CREDENTIAL_SOURCE: 'keys',
      AWS_ENDPOINT_URL_STS: 'localhost',
      RECONCILE_UNUSED_DAYS: '0',
      ROOT_ACCESS_MINUTES: '600',
      ROOT_ACCESS_START_HOURS: '0',
    }).join('\n');
    expect(text).toMatch(
      /AWS_ROLE_ARN must be an IAM role ARN like arn:aws:iam::123456789012:role\/rootmail/,
    );
    expect(text).toMatch(/AWS_REGION must be an AWS Region like us-east-1/);
    expect(text).toMatch(/AWS_CREDENTIAL_SOURCE must be web-identity or environment/);
    expect(text).toMatch(/AWS_ENDPOINT_URL_STS must be a URL/);
    expect(text).toMatch(/RECONCILE_UNUSED_DAYS must be at least 1/);
    expect(text).toMatch(/ROOT_ACCESS_MINUTES must be at most 480/);
    expect(text).toMatch(/ROOT_ACCESS_START_HOURS must be at least 1/);
  });

  it('lists the AWS settings among the settings the app reads', () => {
    for (const name of [
      'AWS_ROLE_ARN',
      'AWS_WEB_IDENTITY_AUDIENCE',
      'AWS_CREDENTIAL_SOURCE',
      'AWS_REGION',
      'AWS_ENDPOINT_URL_ORGANIZATIONS',
      'AWS_ENDPOINT_URL_ACCOUNT',
      'AWS_ENDPOINT_URL_STS',
      'RECONCILE_UNUSED_DAYS',
      'ROOT_ACCESS_MINUTES',
      'ROOT_ACCESS_START_HOURS',
    ])
      expect(SETTING_NAMES).toContain(name);
  });
});
