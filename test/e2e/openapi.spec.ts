import { startTestApp, TestApp } from '../support/testApp';

/** The OpenAPI document describes every /api/v1 route the server has, with the same methods, and no other. */
describe('the OpenAPI description of /api/v1', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('lists exactly the routes the server answers', async () => {
    const { routes } = (
      t.app.server as unknown as { getDebugInfo(): { routes: { method: string; path: string }[] } }
    ).getDebugInfo();
    const served = routes
      .filter((r) => r.path.startsWith('/api/v1/') && r.path !== '/api/v1/openapi.json')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    const doc = (await t.request('GET', '/api/v1/openapi.json')).body;
    const described = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((k) => ['get', 'post', 'patch', 'put', 'delete'].includes(k))
          .map((method) => `${method} ${path}`),
      )
      .sort();
    expect(described).toEqual(served);
    for (const [, item] of Object.entries(
      doc.paths as Record<string, Record<string, { responses?: object }>>,
    ))
      for (const op of Object.values(item))
        if (op && typeof op === 'object' && 'responses' in op) expect(op.responses).toBeDefined();
  });
});
