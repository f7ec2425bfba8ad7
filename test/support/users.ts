/** People in the test tenant, with stable Entra object ids. */
export const TENANT_ID = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';

export interface TestUser {
  aadObjectId: string;
  name: string;
  upn: string;
}

const user = (n: number, name: string): TestUser => ({
  aadObjectId: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
  name,
  upn: `${name.toLowerCase().split(' ')[0]}@contoso.com`,
});

export const users = {
  /** DevOps engineer who requests addresses. */
  alice: user(1, 'Alice Requester'),
  /** Alice's manager. */
  bob: user(2, 'Bob Manager'),
  /** Admin (ADMIN_IDS). */
  carol: user(3, 'Carol Admin'),
  /** On-call engineer, member of the secured team. */
  dave: user(4, 'Dave Oncall'),
  /** Someone with no role at all. */
  eve: user(5, 'Eve Outsider'),
  /** Fallback approver (APPROVER_IDS). */
  frank: user(6, 'Frank Approver'),
};
