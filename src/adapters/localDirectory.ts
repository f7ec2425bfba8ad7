import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { DirectoryPort, DirectoryUser } from '../ports/directory';

/**
 * The directory port for a local run (no Microsoft Graph): people and their managers from a JSON file in
 * DATA_DIR, created on first start with the Microsoft 365 Agents Playground's own users, so the ids the
 * Playground sends (`from.aadObjectId`) are found and have a manager. Hand edits are picked up on the next
 * call. No network, no credentials.
 */

export const LOCAL_DIRECTORY_FILE = 'local-directory.json';

/** A person as the local directory knows them; `teamsUserId` is the Playground's `from.id` (e.g. `user-id-0`). */
export interface LocalDirectoryUser extends DirectoryUser {
  teamsUserId?: string;
}

const field = (required: boolean) =>
  z
    .string({ message: required ? 'is required, as text' : 'must be text' })
    .trim()
    .min(1, { message: 'is empty' });
// Strict: a misspelt key ("manger") is reported instead of silently ignored.
const userSchema = z.strictObject({
  id: field(true),
  teamsUserId: field(false).optional(),
  displayName: field(true),
  userPrincipalName: field(true),
  mail: field(false).optional(),
  manager: field(false).optional(),
  admin: z.boolean({ message: 'must be true or false' }).optional(),
});
const fileSchema = z.object({
  about: z.string().optional(),
  users: z.array(userSchema, { message: 'must be a list of people' }),
});

export type LocalDirectoryEntry = z.infer<typeof userSchema>;
export type LocalDirectoryFile = z.infer<typeof fileSchema>;

/** The file cannot be used; the message names the file and says what to fix. */
export class LocalDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalDirectoryError';
  }
}

const ABOUT =
  'Local stand-in for Microsoft Graph users and managers, used only for local runs (no Bot Framework app id, ' +
  'no Cosmos DB). These are the Microsoft 365 Agents Playground users: "id" is the aadObjectId and ' +
  '"teamsUserId" the from.id it sends. "manager" names another user by id, userPrincipalName or displayName; ' +
  '"admin": true marks a local admin. Edit by hand; delete the file to get these defaults back.';

/** Alex Wilber (the Playground's signed-in user) is the local admin and reports to Megan Bowen. */
export function defaultLocalDirectory(): LocalDirectoryFile {
  const person = (n: number, first: string, last: string, upn: string, mail: string) => ({
    id: `00000000-0000-0000-0000-00000000000${20 + n}`,
    teamsUserId: `user-id-${n}`,
    displayName: `${first} ${last}`,
    userPrincipalName: upn,
    mail,
  });
  const manager = 'meganb@example.com';
  return {
    about: ABOUT,
    users: [
      { ...person(0, 'Alex', 'Wilber', 'alexw@example.com', 'alexw@example.com'), manager, admin: true },
      person(1, 'Megan', 'Bowen', 'meganb@example.com', 'meganb@example.com'),
      { ...person(2, 'Adele', 'Vance', 'adelev@example.com', 'adelev@example.com'), manager },
      // The Playground's own default spells Isaiah's UPN and mail differently; kept as it sends them.
      { ...person(3, 'Isaiah', 'Langer', 'isaiah@example.com', 'isaiahl@example.com'), manager },
      { ...person(4, 'Patti', 'Fernandez', 'pattif@example.com', 'pattif@example.com'), manager },
      { ...person(5, 'Lynne', 'Robbins', 'lynner@example.com', 'lynner@example.com'), manager },
    ],
  };
}

interface Loaded {
  stamp: string;
  users: LocalDirectoryEntry[];
  byKey: Map<string, LocalDirectoryEntry[]>;
  managerOf: Map<string, LocalDirectoryEntry>;
}

export class LocalDirectory implements DirectoryPort {
  private loaded?: Loaded;

  private constructor(readonly file: string) {}

  /** Opens `DATA_DIR/local-directory.json`, creating it with the Playground's users when absent. */
  static open(dataDir: string): LocalDirectory {
    const directory = new LocalDirectory(ensureLocalDirectoryFile(dataDir));
    directory.current(); // a broken file stops the start, with the message saying what to fix
    return directory;
  }

  /** By Entra object id, Teams user id, UPN, mail or display name; case-insensitive. Ambiguous names: none. */
  async getUser(idUpnOrName: string): Promise<LocalDirectoryUser | undefined> {
    const found = this.lookup(idUpnOrName);
    return found && toUser(found);
  }

  async getManager(userId: string): Promise<LocalDirectoryUser | undefined> {
    const { managerOf } = this.current();
    const person = this.lookup(userId);
    const manager = person && managerOf.get(person.id);
    return manager && toUser(manager);
  }

  /** People whose display name, or a word of it, or whose UPN starts with `prefix`; sorted by name. */
  async findUsers(prefix: string, limit = 10): Promise<LocalDirectoryUser[]> {
    const wanted = prefix.trim().toLowerCase();
    if (!wanted) return [];
    return this.current()
      .users.filter((u) => {
        const name = u.displayName.toLowerCase();
        return (
          name.startsWith(wanted) ||
          name.split(/\s+/).some((word) => word.startsWith(wanted)) ||
          u.userPrincipalName.toLowerCase().startsWith(wanted) ||
          !!u.mail?.toLowerCase().startsWith(wanted)
        );
      })
      .sort((a, b) => a.displayName.localeCompare(b.displayName))
      .slice(0, limit)
      .map(toUser);
  }

  /** Everyone in the file, in its order: the first is the one a local run signs in as by default. */
  everyone(): LocalDirectoryUser[] {
    return this.current().users.map(toUser);
  }

  /** The Entra object ids marked `"admin": true`, lower case. */
  adminIds(): string[] {
    return this.current()
      .users.filter((u) => u.admin)
      .map((u) => u.id);
  }

  private lookup(key: string): LocalDirectoryEntry | undefined {
    const matches = this.current().byKey.get(key.trim().toLowerCase()) ?? [];
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Re-reads the file when it changed since the last call, so hand edits apply without a restart. */
  private current(): Loaded {
    let stamp: string;
    try {
      const stat = statSync(this.file);
      stamp = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      throw new LocalDirectoryError(
        `${this.file} is missing: restart the app to create it with the Playground's users, or restore it.`,
      );
    }
    if (this.loaded?.stamp !== stamp) this.loaded = { stamp, ...parseLocalDirectory(this.file) };
    return this.loaded;
  }
}

/**
 * The admin ids from `DATA_DIR/local-directory.json` (the defaults when the file does not exist yet), for a
 * local run to use as ADMIN_IDS. Throws LocalDirectoryError on a broken file.
 */
export function readLocalAdminIds(dataDir: string): string[] {
  const file = path.join(dataDir, LOCAL_DIRECTORY_FILE);
  const { users } = exists(file) ? parseLocalDirectory(file) : index(defaultLocalDirectory().users, file);
  return users.filter((u) => u.admin).map((u) => u.id);
}

/** Creates the file with the defaults unless it exists (create-if-absent, never half-written). */
export function ensureLocalDirectoryFile(dataDir: string): string {
  const file = path.join(dataDir, LOCAL_DIRECTORY_FILE);
  if (exists(file)) return file;
  mkdirSync(dataDir, { recursive: true });
  const draft = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(draft, `${JSON.stringify(defaultLocalDirectory(), null, 2)}\n`);
  try {
    linkSync(draft, file); // fails when another process created it first; theirs is as good as ours
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(draft);
  }
  return file;
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

function parseLocalDirectory(file: string): Omit<Loaded, 'stamp'> {
  const text = readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LocalDirectoryError(
      `${file} is not valid JSON (${describeJsonError(err as Error, text)}): fix it by hand, or delete it ` +
        `and restart to get the Playground's default users back.`,
    );
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `${pathOf(json, i.path)} has unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')} (known: ${Object.keys(userSchema.shape).join(', ')})`
        : `${pathOf(json, i.path)} ${i.message}`,
    );
    throw new LocalDirectoryError(`${file} has ${problems.length} problem(s): ${problems.join('; ')}.`);
  }
  return index(parsed.data.users, file);
}

function index(entries: LocalDirectoryEntry[], file: string): Omit<Loaded, 'stamp'> {
  const users = entries.map((u) => ({ ...u, id: u.id.toLowerCase() }));
  const problems: string[] = [];
  const unique = (what: string, keyOf: (u: LocalDirectoryEntry) => string | undefined) => {
    const seen = new Set<string>();
    for (const u of users) {
      const key = keyOf(u)?.toLowerCase();
      if (!key) continue;
      if (seen.has(key)) problems.push(`${what} "${key}" appears twice`);
      seen.add(key);
    }
  };
  unique('id', (u) => u.id);
  unique('teamsUserId', (u) => u.teamsUserId);
  unique('userPrincipalName', (u) => u.userPrincipalName);

  const byKey = new Map<string, LocalDirectoryEntry[]>();
  for (const u of users) {
    const keys = new Set(
      [u.id, u.teamsUserId, u.userPrincipalName, u.mail, u.displayName].flatMap((k) =>
        k ? [k.toLowerCase()] : [],
      ),
    );
    for (const key of keys) byKey.set(key, [...(byKey.get(key) ?? []), u]);
  }
  const managerOf = new Map<string, LocalDirectoryEntry>();
  for (const u of users) {
    if (!u.manager) continue;
    const candidates = byKey.get(u.manager.toLowerCase()) ?? [];
    if (candidates.length !== 1) {
      problems.push(
        `the manager of ${u.displayName}, "${u.manager}", ${candidates.length ? 'matches several people' : 'is not in the file'}`,
      );
    } else if (candidates[0] === u) problems.push(`${u.displayName} is their own manager`);
    else managerOf.set(u.id, candidates[0]);
  }
  if (problems.length) {
    throw new LocalDirectoryError(`${file} has ${problems.length} problem(s): ${problems.join('; ')}.`);
  }
  return { users, byKey, managerOf };
}

function toUser(u: LocalDirectoryEntry): LocalDirectoryUser {
  return {
    id: u.id,
    displayName: u.displayName,
    userPrincipalName: u.userPrincipalName,
    mail: u.mail ?? u.userPrincipalName,
    teamsUserId: u.teamsUserId,
  };
}

/** `users[2].userPrincipalName` reads better as `users[2] (Adele Vance) userPrincipalName`. */
function pathOf(json: unknown, at: PropertyKey[]): string {
  if (at.length === 0) return 'the file';
  const [list, index, ...rest] = at;
  const name =
    list === 'users' && typeof index === 'number'
      ? (json as { users?: { displayName?: unknown }[] }).users?.[index]?.displayName
      : undefined;
  const head = typeof index === 'number' ? `${String(list)}[${index}]` : at.slice(0, 2).join('.');
  const tail = rest.length ? `.${rest.join('.')}` : '';
  return typeof name === 'string' ? `${head} (${name})${tail}` : `${head}${tail}`;
}

/** Node's JSON errors give a position; people look for a line. */
function describeJsonError(err: Error, text: string): string {
  const message = err.message.replace(/, ".*" is not valid JSON$/s, '');
  const position = /in JSON at position (\d+)/.exec(message);
  if (!position) return message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = Number(position[1]) - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+.*$/s, '')} at line ${line}, column ${column}`;
}
