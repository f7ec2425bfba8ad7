import { teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme, Theme } from '@fluentui/react-components';
import type { HostTheme } from './host/teamsHost';
import type { Session } from './host/session';

export function fluentTheme(theme: HostTheme): Theme {
  return theme === 'dark' ? teamsDarkTheme : theme === 'contrast' ? teamsHighContrastTheme : teamsLightTheme;
}

/** Teams says which look it has; a browser on a local run follows the system (or ?theme=dark|contrast). */
export function initialTheme(session: Session): HostTheme {
  if (session.kind === 'teams') return session.host.theme;
  const asked = new URLSearchParams(location.search).get('theme');
  if (asked === 'dark' || asked === 'contrast' || asked === 'default') return asked;
  if (matchMedia('(forced-colors: active)').matches) return 'contrast';
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'default';
}
