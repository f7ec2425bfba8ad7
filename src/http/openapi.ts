import packageJson from '../../package.json';
import { PEOPLE_ACCESS, pathsForPeople, schemasForPeople } from './openapiForPeople';

const APP_VERSION_FOR_DOCS: string = packageJson.version;

const problem = { $ref: '#/components/responses/Problem' };
const errorsFor = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), problem]));
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
    environment: { enum: ['prod', 'nonprod', 'sandbox'] },
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
                      enum: ['prod', 'nonprod', 'sandbox'],
                      description: 'Requests only (default nonprod)',
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
            '503': { ...problem, description: 'Pool exhausted, or authentication not configured' },
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
