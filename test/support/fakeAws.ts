import { randomBytes } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FakeRootAccess, QUERY_NAMESPACES, queryError } from './fakeAwsRoot';

/**
 * A loopback stand-in for the three AWS APIs RootMail calls, speaking their wire protocols so the real
 * @aws-sdk clients can be pointed at it (`endpoint`, or AWS_ENDPOINT_URL_<SERVICE> from `env()`):
 *   - AWS Organizations: awsJson1_1, `X-Amz-Target: AWSOrganizationsV20161128.<Operation>`
 *     (ListAccounts with MaxResults ≤ 20 and NextToken, DescribeAccount);
 *   - AWS Account Management: restJson1, POST /getPrimaryEmail, /startPrimaryEmailUpdate,
 *     /acceptPrimaryEmailUpdate, /getPrimaryEmailUpdateStatus;
 *   - AWS STS: the query protocol, `Action=AssumeRoleWithWebIdentity` and `AssumeRoot`, answered in XML;
 *   - AWS IAM: the query protocol, ListOrganizationsFeatures and the root user's credentials in root sessions
 *     (test/support/fakeAwsRoot.ts: each session may do exactly what its task policy allows).
 * It models an organisation (a management account plus seeded members), who may call (management account,
 * delegated administrators, trusted access for Account Management) and the root e-mail change: start makes
 * a one-time code and "mails" it through `onOtp`, accept with that code changes the account's e-mail.
 * Every call is recorded; `fail()` injects throttling and other errors for the next N calls.
 */

export type FakeAwsOperation =
  | 'ListAccounts'
  | 'DescribeAccount'
  | 'GetPrimaryEmail'
  | 'StartPrimaryEmailUpdate'
  | 'AcceptPrimaryEmailUpdate'
  | 'GetPrimaryEmailUpdateStatus'
  | 'AssumeRoleWithWebIdentity'
  | 'AssumeRoot'
  | 'ListOrganizationsFeatures'
  | 'GetLoginProfile'
  | 'CreateLoginProfile'
  | 'DeleteLoginProfile'
  | 'ListAccessKeys'
  | 'GetAccessKeyLastUsed'
  | 'DeleteAccessKey'
  | 'ListMFADevices'
  | 'DeactivateMFADevice'
  | 'ListSigningCertificates'
  | 'DeleteSigningCertificate';

export type FakeAwsFault =
  /** TooManyRequestsException (Throttling for STS). */
  | 'throttled'
  /** The role's IAM policy lacks the action: "... is not authorized to perform: <action>". */
  | 'access-denied'
  /** The caller is neither the management account nor a delegated administrator. */
  | 'not-management-account'
  /** Trusted access for AWS Account Management is off (Account Management calls only). */
  | 'trusted-access-disabled'
  /** A 500 from AWS. */
  | 'internal-error';

export type FakeAccountState = 'PENDING_ACTIVATION' | 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';

export interface FakeAccount {
  id: string;
  name: string;
  email: string;
  state: FakeAccountState;
  joinedAt: Date;
  joinedMethod: 'CREATED' | 'INVITED';
}

export interface FakeAwsCall {
  service: 'organizations' | 'account' | 'sts' | 'iam';
  operation: string;
  input: any;
  /** From the SigV4 Authorization header (none for AssumeRoleWithWebIdentity, which is unsigned). */
  accessKeyId?: string;
  signingRegion?: string;
  /** performance.now() when the request arrived. */
  at: number;
  status: number;
  fault?: FakeAwsFault;
  /** AssumeRoot: the task policy asked for; IAM in a root session: that session's task and account. */
  rootTask?: string;
  rootAccountId?: string;
}

/** The mail AWS sends to the new address after StartPrimaryEmailUpdate. */
export interface OtpMail {
  accountId: string;
  accountName: string;
  /** The new address: the code goes there, not to the old one. */
  to: string;
  otp: string;
  sentAt: Date;
}

export interface IssuedCredentials {
  accessKeyId: string;
  expiration: Date;
  roleArn: string;
  roleSessionName: string;
  webIdentityToken: string;
}

interface PendingUpdate {
  email: string;
  otp: string;
  expiresAt: number;
}
interface UpdateStatus {
  status: 'PENDING' | 'ACCEPTED' | 'COMPLETED' | 'FAILED';
  updatedAt: Date;
  pollsUntilCompleted: number;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const ORGANIZATIONS_TARGET = 'AWSOrganizationsV20161128.';
const ACCOUNT_PATHS: Record<string, FakeAwsOperation> = {
  '/getPrimaryEmail': 'GetPrimaryEmail',
  '/startPrimaryEmailUpdate': 'StartPrimaryEmailUpdate',
  '/acceptPrimaryEmailUpdate': 'AcceptPrimaryEmailUpdate',
  '/getPrimaryEmailUpdateStatus': 'GetPrimaryEmailUpdateStatus',
};
const IAM_ACTIONS: Partial<Record<FakeAwsOperation, string>> = {
  ListAccounts: 'organizations:ListAccounts',
  DescribeAccount: 'organizations:DescribeAccount',
  GetPrimaryEmail: 'account:GetPrimaryEmail',
  StartPrimaryEmailUpdate: 'account:StartPrimaryEmailUpdate',
  AcceptPrimaryEmailUpdate: 'account:AcceptPrimaryEmailUpdate',
  GetPrimaryEmailUpdateStatus: 'account:GetPrimaryEmailUpdateStatus',
  AssumeRoleWithWebIdentity: 'sts:AssumeRoleWithWebIdentity',
  AssumeRoot: 'sts:AssumeRoot',
};
const actionOf = (operation: string) => IAM_ACTIONS[operation as FakeAwsOperation] ?? `iam:${operation}`;
const OTP_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const MAX_PAGE = 20;

export class FakeAws {
  readonly calls: FakeAwsCall[] = [];
  readonly otpMails: OtpMail[] = [];
  readonly managementAccountId: string;
  readonly organizationId = 'o-rootmail0001';
  /** The account the role lives in: the management account unless a test moves it. */
  callerAccountId: string;
  readonly delegatedAdministrators = {
    organizations: new Set<string>(),
    account: new Set<string>(),
    iam: new Set<string>(),
  };
  /** Centralized root access: its switches (off, as a new organisation has it), root users and sessions. */
  readonly root = new FakeRootAccess(this);
  trustedAccessForAccountManagement = true;
  /** Accounts per ListAccounts page at most (AWS may answer short pages); never above 20. */
  pageLimit = MAX_PAGE;
  /** Polls of GetPrimaryEmailUpdateStatus that still answer ACCEPTED after an accept, before COMPLETED. */
  pollsUntilCompleted = 1;
  otpTtlMs = 24 * 3_600_000;
  /** Called after StartPrimaryEmailUpdate has answered, as AWS mails the code to the new address. */
  onOtp?: (mail: OtpMail) => void | Promise<void>;
  readonly hookErrors: unknown[] = [];
  /** Time for credential expiry and OTP lifetime; tests may share a ManualClock's `now`. */
  now: () => Date = () => new Date();
  readonly sts = {
    /** When set, AssumeRoleWithWebIdentity only for this role. */
    roleArn: undefined as string | undefined,
    /** When set, the token's `aud` must be this (InvalidIdentityToken otherwise). */
    audience: undefined as string | undefined,
    /** When set, the token's `sub` must be this (AccessDenied otherwise, as a trust policy condition would). */
    subject: undefined as string | undefined,
    defaultDurationSeconds: 3600,
    /** When true, Organizations and Account calls must be signed with unexpired STS-issued credentials. */
    requireIssuedCredentials: false,
    issued: [] as IssuedCredentials[],
  };

  private readonly accounts: FakeAccount[] = [];
  private readonly byId = new Map<string, FakeAccount>();
  private readonly byEmail = new Map<string, FakeAccount>();
  private readonly pending = new Map<string, PendingUpdate>();
  private readonly updates = new Map<string, UpdateStatus>();
  private readonly faults: { operation: FakeAwsOperation | '*'; fault: FakeAwsFault; left: number }[] = [];
  private readonly otpWaiters: { accountId?: string; resolve: (mail: OtpMail) => void }[] = [];
  private readonly otpTaken = new Set<OtpMail>();
  private nextAccountNumber = 200_000_000_000;
  private server?: http.Server;
  baseUrl = '';

  constructor(options: { managementAccountId?: string; managementEmail?: string } = {}) {
    this.managementAccountId = options.managementAccountId ?? '111111111111';
    this.callerAccountId = this.managementAccountId;
    this.addAccount({
      id: this.managementAccountId,
      name: 'management',
      email: options.managementEmail ?? 'aws-management@contoso.com',
      joinedMethod: 'CREATED',
    });
  }

  // ---- the organisation ----

  addAccount(account: Partial<FakeAccount> & { email: string }): FakeAccount {
    const id = account.id ?? String(this.nextAccountNumber++);
    if (this.byId.has(id)) throw new Error(`fake AWS: account ${id} exists already`);
    if (this.byEmail.has(account.email.toLowerCase()))
      throw new Error(`fake AWS: ${account.email} is already a root e-mail`);
    const full: FakeAccount = {
      id,
      name: account.name ?? `account-${id}`,
      email: account.email,
      state: account.state ?? 'ACTIVE',
      joinedAt: account.joinedAt ?? new Date('2024-03-01T10:00:00Z'),
      joinedMethod: account.joinedMethod ?? 'INVITED',
    };
    this.accounts.push(full);
    this.byId.set(id, full);
    this.byEmail.set(full.email.toLowerCase(), full);
    return full;
  }

  /** Adds `count` member accounts; by default `legacy-<i>@example.org`, all ACTIVE. Thousands take milliseconds. */
  seedAccounts(
    count: number,
    options: {
      email?: (i: number) => string;
      name?: (i: number) => string;
      state?: (i: number) => FakeAccountState;
    } = {},
  ): FakeAccount[] {
    const added: FakeAccount[] = [];
    for (let i = 0; i < count; i++) {
      added.push(
        this.addAccount({
          email: options.email?.(i) ?? `legacy-${this.accounts.length}@example.org`,
          name: options.name?.(i),
          state: options.state?.(i),
        }),
      );
    }
    return added;
  }

  account(id: string): FakeAccount | undefined {
    return this.byId.get(id);
  }

  get accountCount(): number {
    return this.accounts.length;
  }

  setState(id: string, state: FakeAccountState): void {
    this.mustHave(id).state = state;
  }

  // ---- faults and observations ----

  /** The next `times` calls of `operation` ('*' = any) fail with `fault`, then calls succeed again. */
  fail(operation: FakeAwsOperation | '*', fault: FakeAwsFault, times = 1): this {
    this.faults.push({ operation, fault, left: times });
    return this;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  of(operation: string): FakeAwsCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  /** The next code mail for the account (or any account) not yet taken by an earlier call. */
  nextOtp(accountId?: string): Promise<OtpMail> {
    const ready = this.otpMails.find(
      (m) => !this.otpTaken.has(m) && (accountId === undefined || m.accountId === accountId),
    );
    if (ready) {
      this.otpTaken.add(ready);
      return Promise.resolve(ready);
    }
    return new Promise((resolve) => this.otpWaiters.push({ accountId, resolve }));
  }

  /** The settings that point the app's AWS clients here. */
  env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_ORGANIZATIONS: this.baseUrl,
      AWS_ENDPOINT_URL_ACCOUNT: this.baseUrl,
      AWS_ENDPOINT_URL_STS: this.baseUrl,
      AWS_ENDPOINT_URL_IAM: this.baseUrl,
    };
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const target = String(req.headers['x-amz-target'] ?? '');
    const signature = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(
      String(req.headers.authorization ?? ''),
    );

    let service: FakeAwsCall['service'];
    let operation: string;
    let input: any;
    if (target.startsWith(ORGANIZATIONS_TARGET)) {
      service = 'organizations';
      operation = target.slice(ORGANIZATIONS_TARGET.length);
      input = raw ? JSON.parse(raw) : {};
    } else if (req.method === 'POST' && ACCOUNT_PATHS[path]) {
      service = 'account';
      operation = ACCOUNT_PATHS[path];
      input = raw ? JSON.parse(raw) : {};
    } else {
      // STS and IAM both speak the query protocol: the API version (and the signing service) tell them apart.
      const form = new URLSearchParams(raw);
      service = form.get('Version') === '2010-05-08' || signature?.[3] === 'iam' ? 'iam' : 'sts';
      operation = form.get('Action') ?? '(none)';
      input = Object.fromEntries(form);
    }
    const call: FakeAwsCall = {
      service,
      operation,
      input,
      accessKeyId: signature?.[1],
      signingRegion: signature?.[2],
      at,
      status: 0,
    };
    this.calls.push(call);

    const fault = this.takeFault(operation as FakeAwsOperation);
    if (fault) call.fault = fault;
    let reply: Reply;
    let afterReply: (() => void) | undefined;
    try {
      if (fault) reply = this.faultReply(service, operation as FakeAwsOperation, fault);
      else if (service === 'organizations') reply = this.organizations(operation, input, call);
      else if (service === 'account') {
        const result = this.accountManagement(operation as FakeAwsOperation, input, call);
        reply = result.reply;
        afterReply = result.afterReply;
      } else if (service === 'iam') reply = this.iamCall(operation, input, call);
      else reply = this.stsCall(operation, input, call);
    } catch (err) {
      reply = { status: 500, headers: { 'content-type': 'text/plain' }, body: String(err) };
    }
    call.status = reply.status;
    res.writeHead(reply.status, { 'x-amzn-requestid': randomBytes(8).toString('hex'), ...reply.headers });
    res.end(reply.body);
    if (afterReply) res.on('finish', afterReply);
  }

  private takeFault(operation: FakeAwsOperation): FakeAwsFault | undefined {
    const match = this.faults.find((f) => f.left > 0 && (f.operation === '*' || f.operation === operation));
    if (!match) return undefined;
    match.left--;
    return match.fault;
  }

  private faultReply(
    service: FakeAwsCall['service'],
    operation: FakeAwsOperation,
    fault: FakeAwsFault,
  ): Reply {
    switch (fault) {
      case 'throttled':
        if (service === 'sts') return stsError(400, 'Throttling', 'Rate exceeded');
        if (service === 'iam') return queryError(QUERY_NAMESPACES.iam, 400, 'Throttling', 'Rate exceeded');
        return service === 'organizations'
          ? jsonError(
              400,
              'TooManyRequestsException',
              "AWS Organizations can't complete your request because it was throttled: too many requests.",
              { Type: 'AccountThrottle' },
            )
          : restError(429, 'TooManyRequestsException', 'Rate exceeded');
      case 'access-denied':
        return this.deniedByIam(service, operation);
      case 'not-management-account':
        return this.notManagement(service);
      case 'trusted-access-disabled':
        return this.trustedAccessOff(operation);
      case 'internal-error':
        if (service === 'sts') return stsError(500, 'InternalFailure', 'An internal error occurred');
        if (service === 'iam')
          return queryError(
            QUERY_NAMESPACES.iam,
            500,
            'ServiceFailure',
            'The request processing has failed because of an unknown error.',
          );
        return service === 'organizations'
          ? jsonError(
              500,
              'ServiceException',
              "AWS Organizations can't complete your request because of an internal service error. Try again later.",
            )
          : restError(500, 'InternalServerException', 'An internal error occurred. Try again later.');
    }
  }

  // ---- callers and signatures ----

  private callerArn(): string {
    return `arn:aws:sts::${this.callerAccountId}:assumed-role/rootmail/rootmail-teams`;
  }

  private deniedByIam(service: FakeAwsCall['service'], operation: FakeAwsOperation, why = ''): Reply {
    const message = `User: ${this.callerArn()} is not authorized to perform: ${actionOf(operation)}${why ? ` (${why})` : ' because no identity-based policy allows the action'}`;
    if (service === 'sts')
      return operation === 'AssumeRoot'
        ? stsError(403, 'AccessDenied', message)
        : stsError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    if (service === 'iam') return queryError(QUERY_NAMESPACES.iam, 403, 'AccessDenied', message);
    return service === 'organizations'
      ? jsonError(400, 'AccessDeniedException', message)
      : restError(403, 'AccessDeniedException', message);
  }

  private notManagement(service: FakeAwsCall['service']): Reply {
    const message = "You don't have permissions to access this resource.";
    return service === 'organizations'
      ? jsonError(400, 'AccessDeniedException', message)
      : restError(403, 'AccessDeniedException', message);
  }

  private trustedAccessOff(operation: FakeAwsOperation): Reply {
    return this.deniedByIam(
      'account',
      operation,
      'Your organization must first enable trusted access with AWS Account Management.',
    );
  }

  /** With requireIssuedCredentials, only keys this STS issued and that have not expired are accepted. */
  private credentialProblem(call: FakeAwsCall, service: FakeAwsCall['service']): Reply | undefined {
    if (!this.sts.requireIssuedCredentials) return undefined;
    const issued = this.sts.issued.find((c) => c.accessKeyId === call.accessKeyId);
    const reply =
      service === 'organizations'
        ? jsonError
        : service === 'account'
          ? restError
          : (status: number, code: string, message: string) =>
              queryError(
                QUERY_NAMESPACES[service],
                status,
                code === 'UnrecognizedClientException' ? 'InvalidClientTokenId' : code,
                message,
              );
    if (!issued)
      return reply(
        403,
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    if (issued.expiration.getTime() <= this.now().getTime())
      return reply(400, 'ExpiredTokenException', 'The security token included in the request is expired');
    return undefined;
  }

  // ---- AWS Organizations ----

  private organizations(operation: string, input: any, call: FakeAwsCall): Reply {
    const problem = this.credentialProblem(call, 'organizations');
    if (problem) return problem;
    const caller = this.callerAccountId;
    if (caller !== this.managementAccountId && !this.delegatedAdministrators.organizations.has(caller))
      return this.notManagement('organizations');
    if (operation === 'ListAccounts') {
      const max = input.MaxResults ?? MAX_PAGE;
      if (!Number.isInteger(max) || max < 1 || max > MAX_PAGE)
        return jsonError(400, 'InvalidInputException', 'MaxResults must be between 1 and 20.', {
          Reason: 'INVALID_INPUT',
        });
      let offset = 0;
      if (input.NextToken !== undefined) {
        const decoded = /^page:(\d+)$/.exec(Buffer.from(String(input.NextToken), 'base64').toString('utf8'));
        if (!decoded)
          return jsonError(400, 'InvalidInputException', 'The NextToken is not valid.', {
            Reason: 'INVALID_PAGINATION_TOKEN',
          });
        offset = Number(decoded[1]);
      }
      const size = Math.min(max, this.pageLimit);
      const page = this.accounts.slice(offset, offset + size).map((a) => this.wireAccount(a));
      const next =
        offset + size < this.accounts.length
          ? Buffer.from(`page:${offset + size}`).toString('base64')
          : undefined;
      return jsonOk({ Accounts: page, ...(next ? { NextToken: next } : {}) });
    }
    if (operation === 'DescribeAccount') {
      const account = this.byId.get(String(input.AccountId));
      if (!account)
        return jsonError(400, 'AccountNotFoundException', "You specified an account that doesn't exist.");
      return jsonOk({ Account: this.wireAccount(account) });
    }
    return jsonError(400, 'UnknownOperationException', `fake AWS: ${operation} is not modelled`);
  }

  private wireAccount(a: FakeAccount) {
    return {
      Id: a.id,
      Arn: `arn:aws:organizations::${this.managementAccountId}:account/${this.organizationId}/${a.id}`,
      Email: a.email,
      Name: a.name,
      // The deprecated Status knows no PENDING_ACTIVATION / CLOSED; State does.
      Status: a.state === 'CLOSED' ? 'SUSPENDED' : a.state === 'PENDING_ACTIVATION' ? 'ACTIVE' : a.state,
      State: a.state,
      JoinedMethod: a.joinedMethod,
      JoinedTimestamp: a.joinedAt.getTime() / 1000,
    };
  }

  // ---- AWS Account Management ----

  private accountManagement(
    operation: FakeAwsOperation,
    input: any,
    call: FakeAwsCall,
  ): { reply: Reply; afterReply?: () => void } {
    const problem = this.credentialProblem(call, 'account');
    if (problem) return { reply: problem };
    const caller = this.callerAccountId;
    if (caller !== this.managementAccountId && !this.delegatedAdministrators.account.has(caller))
      return { reply: this.notManagement('account') };
    const accountId = String(input.AccountId ?? '');
    if (!/^\d{12}$/.test(accountId)) return { reply: validation('AccountId must be 12 digits', 'AccountId') };
    if (!this.trustedAccessForAccountManagement) return { reply: this.trustedAccessOff(operation) };
    if (accountId === this.managementAccountId)
      return {
        reply: this.deniedByIam(
          'account',
          operation,
          'The management account can only be managed using the standalone context from the management account.',
        ),
      };
    const account = this.byId.get(accountId);
    if (!account)
      return {
        reply: restError(
          404,
          'ResourceNotFoundException',
          `Account ${accountId} was not found in the organization.`,
        ),
      };

    switch (operation) {
      case 'GetPrimaryEmail':
        return { reply: jsonOk({ PrimaryEmail: account.email }, 'application/json') };
      case 'StartPrimaryEmailUpdate':
        return this.startUpdate(account, String(input.PrimaryEmail ?? ''));
      case 'AcceptPrimaryEmailUpdate':
        return {
          reply: this.acceptUpdate(account, String(input.PrimaryEmail ?? ''), String(input.Otp ?? '')),
        };
      case 'GetPrimaryEmailUpdateStatus': {
        const pending = this.pending.get(account.id);
        const update = this.updates.get(account.id);
        if (!update && !pending)
          return {
            reply: restError(
              404,
              'ResourceNotFoundException',
              'No primary email update was found for this account.',
            ),
          };
        if (!update) return { reply: jsonOk({ Status: 'PENDING' }, 'application/json') };
        if (update.status === 'ACCEPTED' && update.pollsUntilCompleted-- <= 0) {
          update.status = 'COMPLETED';
          update.updatedAt = this.now();
        }
        return {
          reply: jsonOk(
            { Status: update.status, UpdatedAt: update.updatedAt.getTime() / 1000 },
            'application/json',
          ),
        };
      }
      default:
        return {
          reply: restError(404, 'UnknownOperationException', `fake AWS: ${operation} is not modelled`),
        };
    }
  }

  private startUpdate(account: FakeAccount, email: string): { reply: Reply; afterReply?: () => void } {
    if (email.length < 5 || email.length > 64 || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      return { reply: validation('PrimaryEmail is not a valid email address', 'PrimaryEmail') };
    const holder = this.byEmail.get(email.toLowerCase());
    if (holder)
      return {
        reply: restError(
          409,
          'ConflictException',
          holder.id === account.id
            ? 'The new primary email address is the same as the current one.'
            : 'The email address is already in use by another account.',
        ),
      };
    const otp = Array.from(randomBytes(6), (b) => OTP_ALPHABET[b % OTP_ALPHABET.length]).join('');
    this.pending.set(account.id, { email, otp, expiresAt: this.now().getTime() + this.otpTtlMs });
    this.updates.delete(account.id);
    const mail: OtpMail = {
      accountId: account.id,
      accountName: account.name,
      to: email,
      otp,
      sentAt: this.now(),
    };
    return {
      reply: jsonOk({ Status: 'PENDING' }, 'application/json'),
      afterReply: () => void this.deliver(mail),
    };
  }

  private acceptUpdate(account: FakeAccount, email: string, otp: string): Reply {
    const pending = this.pending.get(account.id);
    if (!pending)
      return restError(
        404,
        'ResourceNotFoundException',
        'No pending primary email update was found for this account.',
      );
    if (pending.email.toLowerCase() !== email.toLowerCase())
      return validation('PrimaryEmail does not match the address of the pending update', 'PrimaryEmail');
    if (!/^[a-zA-Z0-9]{6}$/.test(otp) || otp.toUpperCase() !== pending.otp)
      return validation('The OTP code is invalid.', 'Otp');
    if (pending.expiresAt <= this.now().getTime()) return validation('The OTP code has expired.', 'Otp');
    this.pending.delete(account.id);
    this.byEmail.delete(account.email.toLowerCase());
    account.email = pending.email;
    this.byEmail.set(account.email.toLowerCase(), account);
    this.updates.set(account.id, {
      status: 'ACCEPTED',
      updatedAt: this.now(),
      pollsUntilCompleted: this.pollsUntilCompleted,
    });
    return jsonOk({ Status: 'ACCEPTED' }, 'application/json');
  }

  private async deliver(mail: OtpMail): Promise<void> {
    this.otpMails.push(mail);
    const waiter = this.otpWaiters.findIndex(
      (w) => w.accountId === undefined || w.accountId === mail.accountId,
    );
    if (waiter >= 0) {
      this.otpTaken.add(mail);
      this.otpWaiters.splice(waiter, 1)[0].resolve(mail);
    }
    try {
      await this.onOtp?.(mail);
    } catch (err) {
      this.hookErrors.push(err);
    }
  }

  // ---- AWS IAM (root sessions, or the role's ListOrganizationsFeatures) ----

  private iamCall(operation: string, input: Record<string, string>, call: FakeAwsCall): Reply {
    if (!this.root.sessionOf(call.accessKeyId)) {
      const problem = this.credentialProblem(call, 'iam');
      if (problem) return problem;
    }
    return this.root.iam(operation, input, call);
  }

  // ---- AWS STS ----

  private stsCall(operation: string, input: Record<string, string>, call: FakeAwsCall): Reply {
    if (operation === 'AssumeRoot')
      return this.credentialProblem(call, 'sts') ?? this.root.assumeRoot(input, call);
    if (operation !== 'AssumeRoleWithWebIdentity')
      return stsError(400, 'InvalidAction', `fake AWS: ${operation} is not modelled`);
    const token = input.WebIdentityToken ?? '';
    const claims = decodeJwtPayload(token);
    if (!claims)
      return stsError(
        400,
        'InvalidIdentityToken',
        'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
      );
    if (this.sts.audience !== undefined && claims.aud !== this.sts.audience)
      return stsError(400, 'InvalidIdentityToken', 'Incorrect token audience');
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= this.now().getTime())
      return stsError(
        400,
        'ExpiredTokenException',
        'Token expired: current date/time ' + this.now().toISOString(),
      );
    if (
      (this.sts.subject !== undefined && claims.sub !== this.sts.subject) ||
      (this.sts.roleArn !== undefined && input.RoleArn !== this.sts.roleArn)
    )
      return stsError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    const duration = Number(input.DurationSeconds ?? this.sts.defaultDurationSeconds);
    const issued: IssuedCredentials = {
      accessKeyId: `ASIAFAKE${String(this.sts.issued.length + 1).padStart(12, '0')}`,
      expiration: new Date(this.now().getTime() + duration * 1000),
      roleArn: input.RoleArn,
      roleSessionName: input.RoleSessionName,
      webIdentityToken: token,
    };
    this.sts.issued.push(issued);
    const roleName = String(input.RoleArn).split('/').pop();
    const account = /::(\d{12}):/.exec(String(input.RoleArn))?.[1] ?? this.callerAccountId;
    const body = `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>${xml(String(claims.sub ?? ''))}</SubjectFromWebIdentityToken>
    <Audience>${xml(String(claims.aud ?? ''))}</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::${account}:assumed-role/${xml(roleName ?? '')}/${xml(input.RoleSessionName ?? '')}</Arn>
      <AssumedRoleId>AROAFAKEROLE:${xml(input.RoleSessionName ?? '')}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>${randomBytes(24).toString('base64')}</SessionToken>
      <SecretAccessKey>${randomBytes(30).toString('base64')}</SecretAccessKey>
      <Expiration>${issued.expiration.toISOString()}</Expiration>
      <AccessKeyId>${issued.accessKeyId}</AccessKeyId>
    </Credentials>
    <Provider>${xml(String(claims.iss ?? ''))}</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`;
    return { status: 200, headers: { 'content-type': 'text/xml' }, body };
  }

  private mustHave(id: string): FakeAccount {
    const account = this.byId.get(id);
    if (!account) throw new Error(`fake AWS: no account ${id}`);
    return account;
  }
}

// ---- wire formats ----

function jsonOk(body: unknown, contentType = 'application/x-amz-json-1.1'): Reply {
  return { status: 200, headers: { 'content-type': contentType }, body: JSON.stringify(body) };
}

/** awsJson1_1 errors: the type in `__type`, the text in `Message`. */
function jsonError(
  status: number,
  type: string,
  message: string,
  extra: Record<string, unknown> = {},
): Reply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify({ __type: type, Message: message, ...extra }),
  };
}

/** restJson1 errors: the type in the x-amzn-ErrorType header, the text in `message`. */
function restError(
  status: number,
  type: string,
  message: string,
  extra: Record<string, unknown> = {},
): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ message, ...extra }),
  };
}

function validation(message: string, field: string): Reply {
  return restError(400, 'ValidationException', message, {
    reason: 'fieldValidationFailed',
    fieldList: [{ name: field, message }],
  });
}

function stsError(status: number, code: string, message: string): Reply {
  return queryError(QUERY_NAMESPACES.sts, status, code, message);
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' ? payload : undefined;
  } catch {
    return undefined;
  }
}

/** An unsigned JWT-shaped token with these claims: what the fake STS reads (it checks no signature). */
export function fakeEntraToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ typ: 'JWT', alg: 'RS256', kid: 'fake' })}.${part(claims)}.${Buffer.from('signature').toString('base64url')}`;
}
