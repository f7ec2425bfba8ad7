import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultLocalDirectory } from '../src/adapters/localDirectory';

/** The people of a Playground config file, read from its YAML lists (flat keys, no YAML library needed). */
function peopleIn(file: string): { current: Record<string, string>; all: Record<string, string>[] } {
  const text = readFileSync(path.join(__dirname, '..', file), 'utf8');
  const blocks = text.split(/\n(?=\s*(?:- )?id: user-id-)/).slice(1);
  const all = blocks.map((block) => {
    const person: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const match = /^\s*(?:- )?(\w+): (.+)$/.exec(line);
      if (!match || match[1] in person) break;
      person[match[1]] = match[2].trim();
    }
    return person;
  });
  const currentId = /currentUser:\n\s+id: (\S+)/.exec(text)![1];
  return { current: all.find((p) => p.id === currentId)!, all };
}

describe('the Agents Playground config files', () => {
  const directory = defaultLocalDirectory().users;

  it.each([
    ['.m365agentsplayground.yml', 'Alex Wilber'],
    ['.m365agentsplayground.megan.yml', 'Megan Bowen'],
  ])('%s has the local directory people, signed in as %s', (file, signedIn) => {
    const { current, all } = peopleIn(file);
    expect(current.name).toBe(signedIn);
    expect(all).toHaveLength(6); // the Playground wants currentUser and exactly five users
    expect(
      all.map((p) => ({ id: p.aadObjectId, teamsUserId: p.id, name: p.name, upn: p.userPrincipleName })),
    ).toEqual(
      expect.arrayContaining(
        directory.map((u) => ({
          id: u.id,
          teamsUserId: u.teamsUserId,
          name: u.displayName,
          upn: u.userPrincipalName,
        })),
      ),
    );
  });

  it('signs in as the local admin in the first window and as their manager in the second', () => {
    const admin = directory.find((u) => u.admin)!;
    const manager = directory.find((u) => u.userPrincipalName === admin.manager)!;
    expect(peopleIn('.m365agentsplayground.yml').current.aadObjectId).toBe(admin.id);
    expect(peopleIn('.m365agentsplayground.megan.yml').current.aadObjectId).toBe(manager.id);
  });
});
