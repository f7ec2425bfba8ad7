import { existsSync, readFileSync } from 'node:fs';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/playground/driver';

/**
 * The system Chromium (Debian's `chromium` package; browser downloads do not work on these machines),
 * driven by playwright-core. Browser tests run only where it is installed; `npm test` says when they
 * were skipped (test/support/globalSetup.ts) and `.ci/run` installs it first.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const chromiumInstalled = existsSync(CHROMIUM_PATH);
export const HOW_TO_INSTALL_CHROMIUM = 'apt-get update && apt-get install -y chromium';

/** The system Chromium, headless, as the Playground driver launches it. */
export function launchBrowser(): Promise<Browser> {
  return launchChromium(CHROMIUM_PATH);
}

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

const axeSource = () => readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.x A/AA rules run in the page (or frame) as it is now. */
export async function axeViolations(target: Page | Frame): Promise<AxeViolation[]> {
  await target.evaluate(axeSource());
  return target.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
}

/** The violations a person would be blocked by: serious and critical. */
export function serious(violations: AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The relative luminance of a CSS colour (rgb()/rgba()), 0 = black, 1 = white. */
export function luminance(cssColour: string): number {
  const [r, g, b] = (cssColour.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
