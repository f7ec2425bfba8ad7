import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IAM_ACTION } from '../src/adapters/awsErrorMapping';
import { ROOT_TASKS } from '../src/domain/rootPosture';

/**
 * infra/aws/rootmail-role.yaml, read as text (like infra.spec.ts reads the Bicep): the role may do exactly
 * what the AWS adapter calls and nothing else, and only the app's managed identity may assume it.
 */

const template = readFileSync(path.join(__dirname, '..', 'infra', 'aws', 'rootmail-role.yaml'), 'utf8');
const withoutComments = template
  .split('\n')
  .filter((line) => !line.trim().startsWith('#'))
  .join('\n');

/** What the AWS adapter calls with the role's own permissions (its IAM_ACTION table), and nothing more. */
const LEAST_PRIVILEGE = [
  'account:AcceptPrimaryEmailUpdate',
  'account:GetPrimaryEmail',
  'account:GetPrimaryEmailUpdateStatus',
  'account:StartPrimaryEmailUpdate',
  'iam:ListOrganizationsFeatures',
  'organizations:DescribeAccount',
  'organizations:ListAccounts',
  'sts:AssumeRoot',
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
    const called = Object.values(IAM_ACTION).filter((action) => action !== 'sts:AssumeRoleWithWebIdentity');
    expect([...called].sort()).toEqual(LEAST_PRIVILEGE);
  });

  it('lets the role open root sessions only with RootMail’s three task policies (sts:TaskPolicyArn)', () => {
    const statement = section(/^ {14}- Sid: RootSessionsForRootMailTasksOnly/m, /^ {14}- Sid: /m);
    expect(statement).toMatch(
      /Action:\s+- sts:AssumeRoot\s+Resource: '\*'\s+Condition:\s+StringEquals:\s+sts:TaskPolicyArn:/,
    );
    const tasks = [
      ...statement.matchAll(/- !Sub 'arn:\$\{AWS::Partition\}:iam::aws:policy\/root-task\/(\w+)'/g),
    ].map((m) => m[1]);
    expect(tasks).toEqual([...ROOT_TASKS]);
    expect(withoutComments.match(/root-task\/\w+/g)).toHaveLength(3); // no other task anywhere
    expect(withoutComments.match(/sts:AssumeRoot\b/g)).toHaveLength(1); // granted in that statement only
  });

  it('grants exactly the least-privilege actions, each listed once, no wildcards', () => {
    const actions = [...permissions.matchAll(/^\s+- ((?:organizations|account|sts|iam):[\w*]+)\s*$/gm)].map(
      (m) => m[1],
    );
    expect([...actions].sort()).toEqual(LEAST_PRIVILEGE);
    expect(permissions).not.toMatch(/Action:\s*['"]?\*|:\*['"]?\s*$|NotAction|Effect: Deny/m);
    expect(withoutComments.match(/\b(?:organizations|account|iam):\w+/g)!.sort()).toEqual(
      LEAST_PRIVILEGE.filter((a) => !a.startsWith('sts:')),
    );
  });

  it('scopes DescribeAccount and the primary e-mail calls to member accounts of the one organisation', () => {
    expect(permissions).toMatch(
      /organizations:DescribeAccount\s+Resource: !Sub\s+- 'arn:\$\{AWS::Partition\}:organizations::\$\{Owner\}:account\/\$\{OrganizationId\}\/\*'/,
    );
    expect(permissions).toMatch(
      /account:GetPrimaryEmailUpdateStatus\s+Resource: !Sub\s+- 'arn:\$\{AWS::Partition\}:account::\$\{Owner\}:account\/\$\{OrganizationId\}\/\*'/,
    );
    // ListAccounts and ListOrganizationsFeatures have no resource; AssumeRoot is scoped by its condition.
    expect(permissions.match(/Resource: '\*'/g)).toHaveLength(3);
    expect(permissions).toMatch(/- organizations:ListAccounts\s+Resource: '\*'/);
    expect(permissions).toMatch(/- iam:ListOrganizationsFeatures\s+Resource: '\*'/);
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
