import { CLASS_ROUTING, DESTINATIONS, ROUTING_RULES } from '../domain/mailClassification';
import packageJson from '../../package.json';
import { errorsFor, PEOPLE_ACCESS, pathsForPeople, problem, schemasForPeople } from './openapiForPeople';
import { pathsForRootAccess, schemasForRootAccess } from './openapiForRootAccess';

const APP_VERSION_FOR_DOCS: string = packageJson.version;

const MAIL_CLASSES = Object.keys(CLASS_ROUTING);
const ROUTING_RULE_IDS = Object.keys(ROUTING_RULES);
/** Where a mail can go: the routing table's destinations, and the adoption that took a root e-mail change code. */
const MAIL_DESTINATIONS = [...DESTINATIONS, 'handed-to-adoption', 'handed-to-requester'];

const addressParam = {
  name: 'address',
  in: 'path',
  required: true,
  description: 'The root e-mail address (URL-encoded)',
  schema: { type: 'string', format: 'email' },
};
const recordResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/AddressRecord' } } },
});
const requestResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Request' } } },
});
const requestSchema = {
  type: 'object',
  properties: {
    requestId: { type: 'string' },
    state: {
      enum: [
        'pending',
        'approved',
        'waiting-for-capacity',
        'fulfilled',
        'rejected',
        'cancelled',
        'expired',
        'failed',
      ],
    },
    accountName: { type: 'string' },
    environment: { type: 'string', description: 'One of ENVIRONMENTS (default prod, nonprod, sandbox)' },
    purpose: { type: 'string' },
    costCentre: { type: 'string' },
    requester: { $ref: '#/components/schemas/Owner' },
    approvers: { type: 'array', items: { $ref: '#/components/schemas/Owner' } },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    delivery: { enum: ['personal', 'channel', 'undelivered'] },
    decision: { type: 'object' },
    closed: { type: 'object' },
    address: { type: 'string', format: 'email' },
    statusUrl: { type: 'string' },
  },
};
const runResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ReconcileRun' } } },
});
const adoptionResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Adoption' } } },
});
const owner = {
  oneOf: [
    { type: 'string', description: 'UPN or Entra object id, resolved through Microsoft Graph' },
    { $ref: '#/components/schemas/Owner' },
  ],
};

/** OpenAPI 3.1 description of /api/v1, served at GET /api/v1/openapi.json. */
export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'RootMail address API',
      version: APP_VERSION_FOR_DOCS,
      description:
        'Root e-mail addresses for AWS accounts. Every call except this document needs an Entra ID bearer token ' +
        'for the API: an app token (app roles Addresses.Read, Addresses.Allocate, Addresses.Admin; Admin implies ' +
        `the others), or a person's token, as the Teams tab sends. ${PEOPLE_ACCESS} ` +
        'Errors are RFC 9457 problem details.',
    },
    security: [{ entraId: [] }],
    paths: {
      ...pathsForPeople(),
      ...pathsForRootAccess(),
      '/api/v1/addresses': {
        get: {
          summary:
            'Find addresses by exactly one of awsAccountId, owner or address (role Addresses.Read; every person)',
          parameters: ['awsAccountId', 'owner', 'address'].map((name) => ({
            name,
            in: 'query',
            required: false,
            schema: { type: 'string' },
          })),
          responses: {
            '200': {
              description: 'Matching records; an empty list when none',
              content: {
                'application/json': {
                  schema: { type: 'array', items: { $ref: '#/components/schemas/AddressRecord' } },
                },
              },
            },
            ...errorsFor(400, 401, 403, 503),
          },
        },
        post: {
          summary:
            'Allocate an address (role Addresses.Allocate); without that role, ask for one: 202 with a request that goes through manager approval',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['accountName', 'owner'],
                  properties: {
                    accountName: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9-]{1,38}[A-Za-z0-9]$' },
                    owner,
                    purpose: { type: 'string', maxLength: 500 },
                    environment: {
                      type: 'string',
                      description:
                        'Requests only: one of ENVIRONMENTS (default prod, nonprod, sandbox); nonprod when absent. Any other value is refused (400), never mapped.',
                    },
                    costCentre: { type: 'string', maxLength: 30, description: 'Requests only' },
                  },
                },
              },
            },
          },
          responses: {
            '201': recordResponse('The allocated address'),
            '202': requestResponse('A request waiting for approval; follow it at the Location / statusUrl'),
            ...errorsFor(400, 401, 403, 409, 422),
            '503': { ...problem, description: 'Pool exhausted' },
          },
        },
      },
      '/api/v1/requests/{requestId}': {
        parameters: [{ name: 'requestId', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          summary: 'A request and its approval (the requester, its approvers, or role Addresses.Read)',
          responses: { '200': requestResponse('The request'), ...errorsFor(401, 404, 503) },
        },
      },
      '/api/v1/addresses/{address}': {
        parameters: [addressParam],
        get: {
          summary:
            'One address record, with whether the caller may change it (role Addresses.Read; every person)',
          responses: { '200': recordResponse('The record'), ...errorsFor(400, 401, 403, 404, 503) },
        },
        patch: {
          summary:
            'Link an AWS account id and/or transfer ownership (role Addresses.Admin; its owner, admins)',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { awsAccountId: { type: 'string', pattern: '^\\d{12}$' }, owner },
                },
              },
            },
          },
          responses: {
            '200': recordResponse('The changed record'),
            ...errorsFor(400, 401, 403, 404, 409, 503),
          },
        },
        delete: {
          summary:
            'Retire: pool aliases go to quarantine, plus addresses are retired for good (role Addresses.Admin; its owner, admins)',
          parameters: [{ name: 'reason', in: 'query', required: false, schema: { type: 'string' } }],
          responses: {
            '200': recordResponse('The retired record'),
            ...errorsFor(400, 401, 403, 404, 409, 503),
          },
        },
      },
      '/api/v1/pool': {
        get: {
          summary: 'Free, assigned and quarantined aliases per mailbox (role Addresses.Read; every person)',
          responses: {
            '200': {
              description: 'Pool levels',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/PoolStatus' } } },
            },
            ...errorsFor(401, 403, 503),
          },
        },
      },
      '/api/v1/status': {
        get: {
          summary:
            'Operational figures (role Addresses.Read): store, mailbox subscription, pool, pending approvals, the last relayed mail, and per class how many mails arrived in the last 7 days and where they went',
          responses: {
            '200': {
              description: 'The figures, counted now',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/OperationalStatus' } },
              },
            },
            ...errorsFor(401, 403),
            '503': {
              description: 'The store does not answer: the figures say so (store.reachable false)',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/OperationalStatus' } },
              },
            },
          },
        },
      },
      '/api/v1/pool/import': {
        post: {
          summary:
            'Import aliases (role Addresses.Admin; admins). Idempotent; a file with any bad line imports nothing. Up to 256 KB; use npm run pool:import for larger files.',
          requestBody: {
            required: true,
            content: {
              'text/csv': {
                schema: { type: 'string', description: 'Lines `mailbox,address`, header optional' },
              },
            },
          },
          responses: {
            '200': {
              description: 'What was imported',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      imported: { type: 'integer' },
                      alreadyPresent: { type: 'integer' },
                      mailboxesCreated: { type: 'integer' },
                    },
                  },
                },
              },
            },
            ...errorsFor(400, 401, 403, 503),
          },
        },
      },
      // AWS Organizations (404 "AWS Organizations is not configured" without AWS settings).
      '/api/v1/reconcile': {
        post: {
          summary:
            'Reconcile the registry with AWS Organizations now (role Addresses.Admin): 200 with the run when it ends within 20 s, else 202 (it goes on; follow GET). Outages answer 503 naming AWS; AWS refusing (not the management account, access) 409.',
          responses: {
            '200': runResponse('The finished run'),
            '202': { description: 'Running (this call started it, or another run was under way)' },
            ...errorsFor(401, 403, 409, 503),
          },
        },
        get: {
          summary: 'The run in progress, the last run and the open drift findings (role Addresses.Read)',
          responses: {
            '200': {
              description: 'Runs and findings',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      running: { $ref: '#/components/schemas/ReconcileRun' },
                      lastRun: { $ref: '#/components/schemas/ReconcileRun' },
                      openFindings: { type: 'integer' },
                      findings: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: {
                            subject: { type: 'string' },
                            kind: { type: 'string' },
                            suggestion: {
                              enum: ['retire', 'adopt', 'link', 'review', 'remove-root-credentials'],
                            },
                            summary: { type: 'string' },
                            reportedAt: { type: 'string', format: 'date-time' },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            ...errorsFor(401, 403, 503),
          },
        },
      },
      '/api/v1/adoptions': {
        post: {
          summary:
            "Adopt an existing AWS account (role Addresses.Admin): an address is requested through the usual approval, then the account's root e-mail moves to it. 202 with the adoption; 200 when its root e-mail is already ours (linked at once).",
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['awsAccountId'],
                  properties: {
                    awsAccountId: { type: 'string', pattern: '^\\d{12}$' },
                    environment: {
                      type: 'string',
                      description:
                        'One of ENVIRONMENTS; default: the one the account name states, else refused asking for it',
                    },
                  },
                },
              },
            },
          },
          responses: {
            '200': { description: 'Linked at once, or already in the registry' },
            '202': adoptionResponse(
              'The adoption, waiting for approval; follow it at the Location / statusUrl',
            ),
            ...errorsFor(400, 401, 403, 404, 409, 503),
          },
        },
      },
      '/api/v1/adoptions/{adoptionId}': {
        parameters: [{ name: 'adoptionId', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          summary: 'Where an adoption stands (role Addresses.Read)',
          responses: { '200': adoptionResponse('The adoption'), ...errorsFor(401, 403, 404, 503) },
        },
      },
    },
    components: {
      securitySchemes: { entraId: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      responses: {
        Problem: {
          description: 'RFC 9457 problem details',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
      schemas: {
        ...schemasForPeople,
        ...schemasForRootAccess,
        Request: requestSchema,
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            lines: {
              type: 'array',
              description: 'Pool import only: the bad lines',
              items: {
                type: 'object',
                properties: { line: { type: 'integer' }, problem: { type: 'string' } },
              },
            },
          },
        },
        Owner: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string' }, upn: { type: 'string' }, name: { type: 'string' } },
        },
        AddressRecord: {
          type: 'object',
          required: ['address', 'mailbox', 'strategy', 'state', 'history'],
          properties: {
            address: { type: 'string', format: 'email' },
            mailbox: { type: 'string' },
            strategy: { enum: ['pool', 'plus'] },
            state: { enum: ['available', 'assigned', 'quarantined', 'retired'] },
            accountName: { type: 'string' },
            awsAccountId: { type: 'string', pattern: '^\\d{12}$' },
            owner: { $ref: '#/components/schemas/Owner' },
            purpose: { type: 'string' },
            requestId: { type: 'string' },
            assignedAt: { type: 'string', format: 'date-time' },
            retiredAt: { type: 'string', format: 'date-time' },
            quarantineUntil: { type: 'string', format: 'date-time' },
            rootUser: { $ref: '#/components/schemas/RootUser' },
            history: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  at: { type: 'string', format: 'date-time' },
                  by: { type: 'string' },
                  action: { type: 'string' },
                  detail: { type: 'string' },
                },
              },
            },
          },
        },
        RootUser: {
          type: 'object',
          description:
            "The linked AWS account's root user as the last audit found it (centralized root access, IAMAuditRootUserCredentials); absent until audited",
          required: [
            'hasCredentials',
            'password',
            'accessKeys',
            'mfaDevices',
            'signingCertificates',
            'summary',
          ],
          properties: {
            checkedAt: { type: 'string', format: 'date-time', description: 'The last successful audit' },
            hasCredentials: { type: 'boolean' },
            password: { type: 'boolean' },
            passwordCreatedAt: { type: 'string', format: 'date-time' },
            accessKeys: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string', description: 'Shortened, e.g. AKIA…WXYZ' },
                  active: { type: 'boolean' },
                  createdAt: { type: 'string', format: 'date-time' },
                  lastUsedAt: { type: 'string', format: 'date-time' },
                },
              },
            },
            mfaDevices: { type: 'integer' },
            signingCertificates: { type: 'integer' },
            summary: { type: 'string', description: 'In words, with when it was checked' },
            problem: { type: 'string', description: 'Why the last audit failed' },
          },
        },
        PoolStatus: {
          type: 'object',
          properties: {
            strategy: { enum: ['pool', 'plus'] },
            low: { type: 'boolean', description: 'Under 10 % of the aliases are free' },
            totals: { $ref: '#/components/schemas/PoolLevel' },
            mailboxes: {
              type: 'array',
              items: {
                allOf: [
                  { $ref: '#/components/schemas/PoolLevel' },
                  {
                    type: 'object',
                    properties: {
                      mailbox: { type: 'string' },
                      displayName: { type: 'string' },
                      forwardsTo: { type: 'string' },
                    },
                  },
                ],
              },
            },
          },
        },
        OperationalStatus: {
          type: 'object',
          required: ['store', 'subscription', 'pool', 'pendingApprovals', 'warnings'],
          properties: {
            instance: {
              type: 'string',
              description:
                "The instance that answered: App Service's WEBSITE_INSTANCE_ID, else the host's name",
            },
            store: {
              type: 'object',
              properties: { kind: { enum: ['embedded', 'cosmos'] }, reachable: { type: 'boolean' } },
            },
            subscription: {
              type: 'object',
              properties: {
                configured: { type: 'boolean' },
                expiresAt: { type: 'string', format: 'date-time' },
                hoursLeft: { type: 'number' },
                renewalFailingSince: { type: 'string', format: 'date-time' },
              },
            },
            pool: {
              type: 'object',
              properties: {
                strategy: { enum: ['pool', 'plus'] },
                free: { type: 'integer' },
                low: { type: 'boolean' },
                mailboxes: { type: 'array', items: { $ref: '#/components/schemas/PoolLevel' } },
              },
            },
            pendingApprovals: { type: 'integer' },
            lastRelayedMail: {
              type: 'object',
              description: 'The last mail posted to the on-call channel',
              properties: {
                at: { type: 'string', format: 'date-time' },
                mailClass: { type: 'string' },
                kind: { type: 'string', description: 'In words, e.g. "Sign-up verification code"' },
                accountName: { type: 'string' },
              },
            },
            mails: { $ref: '#/components/schemas/MailFigures' },
            aws: {
              type: 'object',
              description: 'AWS Organizations: {"configured": false} without AWS settings',
              properties: {
                configured: { type: 'boolean' },
                running: {
                  type: 'object',
                  properties: { startedAt: { type: 'string' }, trigger: { type: 'string' } },
                },
                lastRun: { $ref: '#/components/schemas/ReconcileRun' },
                openFindings: { type: 'integer' },
                findingsByKind: { type: 'object', additionalProperties: { type: 'integer' } },
                openAdoptions: { type: 'integer' },
                liveRootSessions: {
                  type: 'integer',
                  description: 'Break-glass root sessions started and not yet closed',
                },
              },
            },
            warnings: { type: 'array', items: { type: 'string' } },
          },
        },
        MailFigures: {
          type: 'object',
          description:
            'Per class, the mails of the last `days` UTC days (today included): how many arrived and how many went where',
          properties: {
            since: { type: 'string', format: 'date', description: 'The first day counted' },
            days: { type: 'integer' },
            classes: {
              type: 'array',
              description: 'Every class, in the order of the routing table',
              items: {
                type: 'object',
                required: ['class', 'rule', 'arrived', 'went'],
                properties: {
                  class: { enum: MAIL_CLASSES },
                  rule: { enum: ROUTING_RULE_IDS, description: 'The routing rule the class maps to' },
                  arrived: { type: 'integer' },
                  went: {
                    type: 'object',
                    description: 'Mails per destination; destinations without mail are left out',
                    propertyNames: { enum: MAIL_DESTINATIONS },
                    additionalProperties: { type: 'integer' },
                  },
                },
              },
            },
          },
        },
        ReconcileRun: {
          type: 'object',
          properties: {
            runId: { type: 'string' },
            trigger: { enum: ['schedule', 'chat', 'api'] },
            state: { enum: ['running', 'done', 'failed'] },
            startedAt: { type: 'string', format: 'date-time' },
            finishedAt: { type: 'string', format: 'date-time' },
            accounts: { type: 'integer' },
            records: { type: 'integer' },
            known: { type: 'integer' },
            autoLinked: { type: 'integer' },
            findings: { type: 'integer', description: 'Open drift findings after the run' },
            byKind: { type: 'object', additionalProperties: { type: 'integer' } },
            reported: { type: 'integer', description: 'New or changed findings posted to on-call' },
            resolved: { type: 'integer' },
            unchanged: { type: 'integer' },
            error: { type: 'string' },
            rootAudit: {
              type: 'object',
              description:
                "Member accounts' root users: audits of this run, and the accounts as last audited",
              properties: {
                audited: { type: 'integer' },
                failed: { type: 'integer' },
                deferred: {
                  type: 'integer',
                  description: 'Accounts due that the next run audits (time budget spent)',
                },
                off: { type: 'boolean', description: 'Centralized root access is off in the organisation' },
                problem: { type: 'string', description: 'Why this run audited nothing or stopped early' },
                checked: { type: 'integer', description: 'Linked member accounts with a successful audit' },
                withCredentials: {
                  type: 'integer',
                  description: 'Accounts whose root user has any credential',
                },
                withAccessKeys: { type: 'integer' },
                withPassword: { type: 'integer' },
                failing: { type: 'integer', description: 'Accounts whose last audit failed' },
              },
            },
          },
        },
        Adoption: {
          type: 'object',
          properties: {
            adoptionId: { type: 'string' },
            state: { enum: ['awaiting-approval', 'awaiting-code', 'accepted', 'linked', 'ended'] },
            status: { type: 'string', description: 'Where it stands, in words' },
            accountId: { type: 'string' },
            accountName: { type: 'string' },
            previousEmail: { type: 'string' },
            address: { type: 'string', format: 'email' },
            requestId: { type: 'string' },
            statusUrl: { type: 'string' },
            ended: {
              type: 'object',
              properties: {
                reason: {
                  enum: [
                    'request-closed',
                    'aws-refused',
                    'code-rejected',
                    'code-timeout',
                    'change-failed',
                    'link-failed',
                  ],
                },
                problem: { type: 'string' },
              },
            },
          },
        },
        PoolLevel: {
          type: 'object',
          properties: {
            capacity: { type: 'integer' },
            free: { type: 'integer' },
            assigned: { type: 'integer' },
            quarantined: { type: 'integer' },
          },
        },
      },
    },
  };
}
