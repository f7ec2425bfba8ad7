import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = path.join(__dirname, '..', 'infra', 'entra', 'register-rootmail-api.sh');
const CLIENT_ID = '7d3f0c2a-5b1e-4c8d-9a6f-1e2b3c4d5e6f';

/**
 * infra/entra/register-rootmail-api.sh against a stand-in `az` that records what it is asked and answers as
 * a tenant without the registration would: the Microsoft Graph bodies are what Teams SSO and Nested App
 * Authentication need.
 */
describe('the RootMail API app registration script', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rootmail-entra-'));
    const az = path.join(dir, 'az');
    writeFileSync(
      az,
      `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "${dir}/calls"
case "$*" in
  "ad app list"*) echo "" ;;
  "ad app create"*) echo "${CLIENT_ID}" ;;
  "ad app show --id ${CLIENT_ID} --query id -o tsv") echo "object-1" ;;
  "ad app show"*) echo "" ;;
  "rest "*) n=$(ls "${dir}" | grep -c body); for ((i=1;i<=$#;i++)); do if [[ "\${!i}" == --body ]]; then j=$((i+1)); printf '%s' "\${!j}" > "${dir}/body-$n.json"; fi; done ;;
  "ad sp show"*) exit 1 ;;
  "ad sp create"*) echo "{}" ;;
  "account show"*) echo "tenant-1" ;;
  *) echo "unexpected az $*" >&2; exit 3 ;;
esac
`,
    );
    chmodSync(az, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const register = (...args: string[]) =>
    run('bash', [script, ...args], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
  const body = (n: number) => JSON.parse(readFileSync(path.join(dir, `body-${n}.json`), 'utf8'));

  it('creates the registration with the Teams SSO URI, the scope, the NAA redirect, the app roles and the Teams clients', async () => {
    const { stdout } = await register('--host', 'rootmail.contoso.com');
    const app = body(0);
    expect(app.identifierUris).toEqual([`api://rootmail.contoso.com/${CLIENT_ID}`]);
    expect(app.api.requestedAccessTokenVersion).toBe(2);
    const [scope] = app.api.oauth2PermissionScopes;
    expect(scope).toMatchObject({ value: 'access_as_user', type: 'User', isEnabled: true });
    expect(app.spa.redirectUris).toEqual(['brk-multihub://rootmail.contoso.com']);
    expect(app.appRoles.map((r: { value: string }) => r.value)).toEqual([
      'Addresses.Read',
      'Addresses.Allocate',
      'Addresses.Admin',
    ]);
    expect(app.requiredResourceAccess).toEqual([
      { resourceAppId: CLIENT_ID, resourceAccess: [{ id: scope.id, type: 'Scope' }] },
    ]);

    const { preAuthorizedApplications } = body(1).api;
    expect(preAuthorizedApplications.map((p: { appId: string }) => p.appId)).toEqual(
      expect.arrayContaining([
        '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
        '5e3ce6c0-2b1f-4285-8d4b-75ee78787346',
      ]),
    );
    for (const p of preAuthorizedApplications) expect(p.delegatedPermissionIds).toEqual([scope.id]);

    expect(readFileSync(path.join(dir, 'calls'), 'utf8')).toMatch(/ad sp create --id 7d3f0c2a/);
    expect(stdout).toContain(`API_AUDIENCE=${CLIENT_ID},api://rootmail.contoso.com/${CLIENT_ID}`);
    expect(stdout).toContain(
      'API_ISSUER=https://login.microsoftonline.com/tenant-1/v2.0,https://sts.windows.net/tenant-1/',
    );
    expect(stdout).toMatch(/Grant admin consent once/);
  });

  it('refuses a host given as a URL', async () => {
    await expect(register('--host', 'https://rootmail.contoso.com')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/no https:\/\//),
    });
  });
});
