import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IAM_ACTION } from '../src/adapters/awsAccounts';

/**
 * infra/aws/rootmail-role.yaml, read as text (like infra.spec.ts reads the Bicep): the role may do exactly
 * what the AWS adapter calls and nothing else, and only the app's managed identity may assume it.
 */

const template = readFileSync(path.join(__dirname, '..', 'infra', 'aws', 'rootmail-role.yaml'), 'utf8');
const withoutComments = template
  .split('\n')
  .filter((line) => !line.trim().startsWith('#'))
  .join('\n');

/** What src/adapters/awsAccounts.ts calls (its IAM_ACTION table), and nothing more. */
const LEAST_PRIVILEGE = [
  'account:AcceptPrimaryEmailUpdate',
  'account:GetPrimaryEmail',
  'account:GetPrimaryEmailUpdateStatus',
  'account:StartPrimaryEmailUpdate',
  'organizations:DescribeAccount',
  'organizations:ListAccounts',
];

function section(start: RegExp, end: RegExp): string {
  const from = withoutComments.search(start);
  expect(from).toBeGreaterThanOrEqual(0);
  const rest = withoutComments.slice(from);
  const to = rest.slice(1).search(end);
  return to < 0 ? rest : rest.slice(0, to + 1);
}

describe('the AWS role template (infra/aws/rootmail-role.yaml)', () => {
  const permissions = section(/^ {6}Policies:/m, /^Outputs:/m);
  const trust = section(/^ {6}AssumeRolePolicyDocument:/m, /^ {6}Policies:/m);

  it('lists exactly the actions the AWS adapter calls (the STS exchange needs none: the trust policy allows it)', () => {
    const called = Object.values(IAM_ACTION).filter((action) => !action.startsWith('sts:'));
    expect([...called].sort()).toEqual(LEAST_PRIVILEGE);
  });

  it('grants exactly the least-privilege actions, each listed once, no wildcards', () => {
    const actions = [...permissions.matchAll(/^\s+- ((?:organizations|account|sts|iam):[\w*]+)\s*$/gm)].map(
      (m) => m[1],
    );
    expect([...actions].sort()).toEqual(LEAST_PRIVILEGE);
    expect(permissions).not.toMatch(/Action:\s*['"]?\*|:\*['"]?\s*$|NotAction|Effect: Deny/m);
    expect(withoutComments.match(/\b(?:organizations|account):\w+/g)!.sort()).toEqual(LEAST_PRIVILEGE);
  });

  it('scopes DescribeAccount and the primary e-mail calls to member accounts of the one organisation', () => {
    expect(permissions).toMatch(
      /organizations:DescribeAccount\s+Resource: !Sub\s+- 'arn:\$\{AWS::Partition\}:organizations::\$\{Owner\}:account\/\$\{OrganizationId\}\/\*'/,
    );
    expect(permissions).toMatch(
      /account:GetPrimaryEmailUpdateStatus\s+Resource: !Sub\s+- 'arn:\$\{AWS::Partition\}:account::\$\{Owner\}:account\/\$\{OrganizationId\}\/\*'/,
    );
    expect(permissions.match(/Resource: '\*'/g)).toHaveLength(1); // ListAccounts only: it has no resource
    expect(permissions).toMatch(/- organizations:ListAccounts\s+Resource: '\*'/);
  });

  it('trusts only the Entra ID tenant as OIDC provider, with the application ID URI as audience', () => {
    expect(withoutComments).toMatch(/Type: AWS::IAM::OIDCProvider/);
    expect(withoutComments).toMatch(/Url: !Sub 'https:\/\/sts\.windows\.net\/\$\{EntraTenantId\}\/'/);
    expect(withoutComments).toMatch(/ClientIdList:\s+- !Ref ApplicationIdUri/);
  });

  it('lets only the managed identity assume the role: aud and sub conditions, web identity only', () => {
    const statement = JSON.parse(
      trust
        .slice(trust.indexOf('{'), trust.lastIndexOf('}') + 1)
        .replace(/\$\{(\w+)\}/g, '<$1>')
        .replace(/\$\{AWS::\w+\}/g, '<aws>'),
    ).Statement;
    expect(statement).toEqual([
      {
        Sid: 'OnlyRootMailManagedIdentity',
        Effect: 'Allow',
        Principal: { Federated: '<ProviderArn>' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'sts.windows.net/<EntraTenantId>/:aud': '<ApplicationIdUri>',
            'sts.windows.net/<EntraTenantId>/:sub': '<ManagedIdentityObjectId>',
          },
        },
      },
    ]);
    expect(trust).toMatch(
      /ProviderArn: !If \[CreateOidcProvider, !Ref EntraIdProvider, !Ref ExistingOidcProviderArn\]/,
    );
  });

  it('outputs what the app is configured with', () => {
    expect(withoutComments).toMatch(
      /RoleArn:\s+Description: AWS_ROLE_ARN[^\n]*\n\s+Value: !GetAtt RootMailRole\.Arn/,
    );
    expect(withoutComments).toMatch(/WebIdentityAudience:\s+Description: AWS_WEB_IDENTITY_AUDIENCE/);
  });
});
