/**
 * The part of the OpenAPI description for break-glass root access (POST /api/v1/root-access, GET its state).
 */
import { errorsFor } from './openapiForPeople';

const rootAccessRef = { $ref: '#/components/schemas/RootAccess' };
const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: rootAccessRef } },
});

export function pathsForRootAccess() {
  return {
    '/api/v1/root-access': {
      post: {
        summary:
          "Ask for break-glass root access to one member account, for a stated reason (people only: a delegated token; an app token is refused, as the reset link goes to the requester in Teams). Someone else approves (the requester's manager, else APPROVER_IDS); the requester starts the session from their Teams card; it ends with `root-access done` or after ROOT_ACCESS_MINUTES. Refused up front when the account is not linked, not an ACTIVE member, or centralized root access is off (the detail says what to do).",
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['account', 'reason'],
                properties: {
                  account: {
                    type: 'string',
                    description: 'The account name, its 12-digit AWS account id, or its root address',
                  },
                  reason: { type: 'string', minLength: 10, maxLength: 500 },
                },
              },
            },
          },
        },
        responses: {
          '202': json('The root access, waiting for approval; follow it at the Location / statusUrl'),
          ...errorsFor(400, 401, 403, 404, 409, 503),
        },
      },
    },
    '/api/v1/root-access/{accessId}': {
      parameters: [{ name: 'accessId', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        summary:
          'Where a root access stands (its requester, approvers, readers and admins; 404 for anyone else)',
        responses: { '200': json('The root access'), ...errorsFor(401, 404, 503) },
      },
    },
  };
}

export const schemasForRootAccess = {
  RootAccess: {
    type: 'object',
    required: ['id', 'kind', 'state', 'status', 'account', 'reason', 'requester', 'approvers'],
    properties: {
      id: { type: 'string', pattern: '^ra-[0-9a-f]{8}$' },
      kind: { enum: ['session', 'removal'] },
      state: { enum: ['pending', 'approved', 'opening', 'open', 'closing', 'closed'] },
      status: { type: 'string', description: 'Where it stands, in words' },
      account: {
        type: 'object',
        properties: {
          id: { type: 'string', pattern: '^\\d{12}$' },
          name: { type: 'string' },
          rootEmail: { type: 'string', format: 'email' },
        },
      },
      reason: { type: 'string' },
      requester: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
      approvers: {
        type: 'array',
        items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
      },
      createdAt: { type: 'string', format: 'date-time' },
      expiresAt: { type: 'string', format: 'date-time', description: 'Nobody decided by then: it ends' },
      decision: {
        type: 'object',
        properties: {
          outcome: { enum: ['approved', 'rejected'] },
          by: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
          comment: { type: 'string' },
        },
      },
      startBy: { type: 'string', format: 'date-time', description: 'Start is offered until then' },
      startedAt: { type: 'string', format: 'date-time' },
      endsAt: { type: 'string', format: 'date-time', description: 'The session closes by itself then' },
      openedAt: { type: 'string', format: 'date-time' },
      ended: {
        type: 'object',
        properties: { how: { enum: ['done', 'timer'] }, by: { type: 'string' }, at: { type: 'string' } },
      },
      closed: {
        type: 'object',
        properties: {
          outcome: {
            enum: ['rejected', 'expired', 'withdrawn', 'start-expired', 'refused-by-aws', 'done'],
          },
          at: { type: 'string', format: 'date-time' },
          problem: { type: 'string', description: 'What AWS refused, when it did' },
        },
      },
      rootUserAfter: { type: 'string', description: 'The root user as read again at the end, in words' },
      resetMailsHanded: {
        type: 'integer',
        description: 'AWS sign-in mails handed to the requester alone (never the link itself)',
      },
      statusUrl: { type: 'string' },
    },
  },
};
