import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  LOCAL_DIRECTORY_FILE,
  LocalDirectory,
  LocalDirectoryError,
  readLocalAdminIds,
} from '../../src/adapters/localDirectory';

// What the Agents Playground 0.2.28 sends as `from` with its default configuration.
const alex = { id: '00000000-0000-0000-0000-0000000000020', teamsUserId: 'user-id-0' };
const megan = { id: '00000000-0000-0000-0000-0000000000021', teamsUserId: 'user-id-1' };

describe('LocalDirectory (the directory of a local run)', () => {
  let dataDir: string;
  let file: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'local-directory-'));
    file = path.join(dataDir, LOCAL_DIRECTORY_FILE);
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const edit = (change: (json: any) => void) => {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    change(json);
    writeFileSync(file, JSON.stringify(json, null, 2));
  };

  it('is created on first start with the Playground users, Alex Wilber the admin reporting to Megan Bowen', async () => {
    const directory = LocalDirectory.open(path.join(dataDir, 'not-yet-there'));
    expect(directory.file).toBe(path.join(dataDir, 'not-yet-there', LOCAL_DIRECTORY_FILE));
    const json = JSON.parse(readFileSync(directory.file, 'utf8'));
    expect(json.users.map((u: any) => u.displayName)).toEqual([
      'Alex Wilber',
      'Megan Bowen',
      'Adele Vance',
      'Isaiah Langer',
      'Patti Fernandez',
      'Lynne Robbins',
    ]);
    expect(await directory.getUser(alex.id)).toEqual({
      ...alex,
      displayName: 'Alex Wilber',
      userPrincipalName: 'alexw@example.com',
      mail: 'alexw@example.com',
    });
    expect((await directory.getManager(alex.id))?.id).toBe(megan.id);
    expect(await directory.getManager(megan.id)).toBeUndefined();
    expect(directory.adminIds()).toEqual([alex.id]);
  });

  it('finds people by object id, Teams user id, UPN, mail or display name, in any case', async () => {
    const directory = LocalDirectory.open(dataDir);
    for (const key of [megan.id.toUpperCase(), megan.teamsUserId, 'MeganB@Example.com', ' megan bowen ']) {
      expect((await directory.getUser(key))?.id).toBe(megan.id);
    }
    expect((await directory.getManager('alexw@example.com'))?.displayName).toBe('Megan Bowen');
    expect(await directory.getUser('nobody@example.com')).toBeUndefined();
    expect(await directory.getManager('nobody@example.com')).toBeUndefined();
  });

  it('searches by the start of a display name, a word of it, or a UPN, sorted by name', async () => {
    const directory = LocalDirectory.open(dataDir);
    const names = async (prefix: string) => (await directory.findUsers(prefix)).map((u) => u.displayName);
    expect(await names('a')).toEqual(['Adele Vance', 'Alex Wilber']);
    expect(await names('WIL')).toEqual(['Alex Wilber']);
    expect(await names('pattif@')).toEqual(['Patti Fernandez']);
    expect(await names('  ')).toEqual([]);
    expect(await directory.findUsers('', 1)).toEqual([]);
    expect(await directory.findUsers('a', 1)).toHaveLength(1);
  });

  it('is read back as it is on the next start: an existing file is never overwritten', async () => {
    LocalDirectory.open(dataDir);
    edit((json) =>
      json.users.push({ id: 'ABC-1', displayName: 'Ada Lovelace', userPrincipalName: 'ada@example.com' }),
    );
    const again = LocalDirectory.open(dataDir);
    expect((await again.getUser('ada@example.com'))?.id).toBe('abc-1');
    expect(JSON.parse(readFileSync(file, 'utf8')).users).toHaveLength(7);
  });

  it('honours hand edits while running: a new manager, another admin, a renamed person', async () => {
    const directory = LocalDirectory.open(dataDir);
    expect((await directory.getManager(alex.id))?.displayName).toBe('Megan Bowen');
    edit((json) => {
      json.users[0].manager = 'Lynne Robbins';
      json.users[1].admin = true;
      json.users[2].displayName = 'Adele Vance-Smith';
    });
    expect((await directory.getManager(alex.id))?.displayName).toBe('Lynne Robbins');
    expect(directory.adminIds()).toEqual([alex.id, megan.id]);
    expect(readLocalAdminIds(dataDir)).toEqual([alex.id, megan.id]);
    expect((await directory.findUsers('adele'))[0].displayName).toBe('Adele Vance-Smith');
  });

  it('gives the default admin before the file exists, without creating it', () => {
    expect(readLocalAdminIds(dataDir)).toEqual([alex.id]);
    expect(() => readFileSync(file)).toThrow();
  });

  it('answers a name two people share with nobody rather than guess', async () => {
    const directory = LocalDirectory.open(dataDir);
    edit((json) => (json.users[2].displayName = 'Megan Bowen'));
    expect(await directory.getUser('megan bowen')).toBeUndefined();
    expect((await directory.getUser('meganb@example.com'))?.id).toBe(megan.id);
  });

  it('refuses bad JSON with a message naming the file, the line and what to do', async () => {
    LocalDirectory.open(dataDir);
    writeFileSync(file, '{\n  "users": [\n    { "id": "x", }\n  ]\n}\n');
    const refusal = () => LocalDirectory.open(dataDir);
    expect(refusal).toThrow(LocalDirectoryError);
    expect(refusal).toThrow(`${file} is not valid JSON`);
    expect(refusal).toThrow(/line 3, column \d+\): fix it by hand, or delete it and restart/);
  });

  it('refuses a broken entry, listing every problem with the person it is about', async () => {
    const directory = LocalDirectory.open(dataDir);
    edit((json) => {
      json.users[2].manger = 'Megan Bowen';
      json.users[3].admin = 'yes';
      delete json.users[4].userPrincipalName;
    });
    const message = await directory.getUser(alex.id).then(
      () => '',
      (err: Error) => err.message,
    );
    expect(message).toContain(`${file} has 3 problem(s)`);
    expect(message).toContain('users[2] (Adele Vance) has unknown key(s) "manger"');
    expect(message).toContain('users[3] (Isaiah Langer).admin must be true or false');
    expect(message).toContain('users[4] (Patti Fernandez).userPrincipalName is required');
  });

  it('refuses managers it cannot find, duplicate ids and people who manage themselves', () => {
    LocalDirectory.open(dataDir);
    edit((json) => {
      json.users[0].manager = 'Nobody Here';
      json.users[1].manager = 'meganb@example.com';
      json.users[2].id = json.users[3].id;
    });
    expect(() => LocalDirectory.open(dataDir)).toThrow(
      /the manager of Alex Wilber, "Nobody Here", is not in the file; .*Megan Bowen is their own manager/,
    );
    expect(() => readLocalAdminIds(dataDir)).toThrow(
      /id "00000000-0000-0000-0000-0000000000023" appears twice/,
    );
  });
});
