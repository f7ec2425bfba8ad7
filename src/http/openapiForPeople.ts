/**
 * The part of the OpenAPI description for what people do through the API (the Teams tab, and automation
 * alike): search, history, the caller's approvals and requests, deciding, the pool's history.
 */
export const problem = { $ref: '#/components/responses/Problem' };
/** Every /api/v1 call may also answer 404 when the API (or its feature) is off, saying how to turn it on. */
export const errorsFor = (...codes: number[]) =>
  Object.fromEntries([...new Set([...codes, 404])].map((c) => [String(c), problem]));
const json = (description: string, schema: unknown) => ({
  description,
  content: { 'application/json': { schema } },
});
const list = (description: string, item: unknown) =>
  json(description, { type: 'object', properties: { items: { type: 'array', items: item } } });
const query = (name: string, description: string, schema: unknown = { type: 'string' }) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const requestRef = { $ref: '#/components/schemas/Request' };
const requestIdParam = { name: 'requestId', in: 'path', required: true, schema: { type: 'string' } };

export const PEOPLE_ACCESS =
  'People (a delegated token with the scope access_as_user) act as in chat: everyone looks records up, ' +
  'owners and admins (ADMIN_IDS) change records. Apps act by their app roles.';

export function pathsForPeople() {
  return {
    '/api/v1/me': {
      get: {
        summary: 'Who the API takes the caller for: a person (admin or not) or an app',
        responses: {
          '200': json('The caller', {
            type: 'object',
            properties: {
              id: { type: 'string' },
              name: { type: 'string' },
              admin: { type: 'boolean' },
              kind: { enum: ['user', 'app'] },
            },
          }),
          ...errorsFor(401, 403, 503),
        },
      },
    },
    '/api/v1/me/approvals': {
      get: {
        summary: 'Pending requests waiting for the caller’s decision, oldest first',
        responses: { '200': list('Requests', requestRef), ...errorsFor(401, 403, 503) },
      },
    },
    '/api/v1/me/requests': {
      get: {
        summary: 'The last 20 requests the caller asked for, newest first',
        responses: { '200': list('Requests', requestRef), ...errorsFor(401, 403, 503) },
      },
    },
    '/api/v1/requests/{requestId}/decision': {
      parameters: [requestIdParam],
      post: {
        summary:
          'Approve or reject, as on the approval card (approvers only; the requester never): the cards in chat are updated, the address follows',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['decision'],
                properties: {
                  decision: { enum: ['approve', 'reject'] },
                  comment: { type: 'string', maxLength: 500 },
                },
              },
            },
          },
        },
        responses: {
          '200': json('The decided request', requestRef),
          '409': { ...problem, description: 'Already decided; `request` holds who decided' },
          ...errorsFor(400, 401, 403, 404, 503),
        },
      },
    },
    '/api/v1/requests/{requestId}/cancel': {
      parameters: [requestIdParam],
      post: {
        summary: 'Withdraw a pending request (its requester only)',
        responses: {
          '200': json('The cancelled request', requestRef),
          ...errorsFor(401, 404, 409, 503),
        },
      },
    },
    '/api/v1/addresses/search': {
      get: {
        summary:
          'Search the registry by the start of an account name, AWS account id, address, UPN or owner name (any case), ordered by what matched; without q, every record by address (admins and role Addresses.Read)',
        parameters: [
          query('q', 'What to look for'),
          query('state', 'Only this state', { enum: ['available', 'assigned', 'quarantined', 'retired'] }),
          query('mailbox', 'Only this shared mailbox'),
          query('offset', 'Where the page starts (0–1000)', { type: 'integer', minimum: 0, maximum: 1000 }),
          query('limit', 'Page size (1–100, default 25)', { type: 'integer', minimum: 1, maximum: 100 }),
        ],
        responses: {
          '200': json('One page', {
            type: 'object',
            properties: {
              items: { type: 'array', items: { $ref: '#/components/schemas/AddressRecord' } },
              offset: { type: 'integer' },
              limit: { type: 'integer' },
              nextOffset: { type: 'integer', description: 'Absent on the last page' },
            },
          }),
          ...errorsFor(400, 401, 403, 503),
        },
      },
    },
    '/api/v1/addresses/{address}/audit': {
      parameters: [
        { name: 'address', in: 'path', required: true, schema: { type: 'string', format: 'email' } },
      ],
      get: {
        summary: 'The history of an address, oldest first (its owner, admins and role Addresses.Read)',
        responses: {
          '200': list('Events', { $ref: '#/components/schemas/AuditEvent' }),
          ...errorsFor(400, 401, 403, 404, 503),
        },
      },
    },
    '/api/v1/status': {
      get: {
        summary:
          'Store, mail subscription, pool, pending approvals and the last relayed mail, counted now (role Addresses.Read; admins)',
        responses: {
          '200': json('The status', { type: 'object' }),
          '503': { ...problem, description: 'The store does not answer (the body is the status)' },
          ...errorsFor(401, 403),
        },
      },
    },
    '/api/v1/pool/history': {
      get: {
        summary:
          'The pool’s levels as kept once a day, the pool now, and the days until no alias is free at the rate of the last four weeks',
        parameters: [
          query('days', 'How many days back (1–400, default 90)', {
            type: 'integer',
            minimum: 1,
            maximum: 400,
          }),
          query('mailbox', 'One shared mailbox instead of all'),
        ],
        responses: {
          '200': json('Levels', {
            type: 'object',
            properties: {
              mailbox: { type: 'string' },
              days: {
                type: 'array',
                items: {
                  allOf: [
                    { $ref: '#/components/schemas/PoolLevel' },
                    {
                      type: 'object',
                      properties: { date: { type: 'string', format: 'date' }, at: { type: 'string' } },
                    },
                  ],
                },
              },
              now: { $ref: '#/components/schemas/PoolStatus' },
              forecast: {
                type: 'object',
                properties: {
                  perDay: { type: 'number' },
                  basisDays: { type: 'integer' },
                  daysUntilEmpty: { type: 'integer', description: 'Absent when nothing is being used up' },
                },
              },
            },
          }),
          ...errorsFor(400, 401, 403, 503),
        },
      },
    },
  };
}

export const schemasForPeople = {
  AuditEvent: {
    type: 'object',
    properties: {
      action: { type: 'string' },
      actorId: { type: 'string' },
      actorName: { type: 'string' },
      at: { type: 'string', format: 'date-time' },
      detail: { type: 'string' },
      before: { type: 'object' },
      after: { type: 'object' },
    },
  },
};
