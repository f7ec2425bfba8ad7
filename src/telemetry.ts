import { IncomingMessage } from 'node:http';
import { metrics, type Span } from '@opentelemetry/api';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { redactText } from './log/redact';

/**
 * OpenTelemetry traces and metrics to Application Insights, on only when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set. Logs stay pino JSON on stdout (App Service sends them to
 * Log Analytics); there is no second logging path.
 *
 * The Azure Monitor distro takes ~2 s to load, so it is loaded only when telemetry is on, and it must be
 * started before restify, botbuilder and the Azure SDKs are first required (see src/index.ts).
 */
export async function startTelemetry(connectionString: string | undefined): Promise<boolean> {
  if (!connectionString) return false;
  const { useAzureMonitor } = await import('@azure/monitor-opentelemetry');
  const http: HttpInstrumentationConfig = {
    enabled: true,
    // Load balancers and App Service health checks poll this; it is noise, not traffic.
    ignoreIncomingRequestHook: (req) => (req.url ?? '').startsWith('/healthz'),
    // The resource detectors ask the VM metadata service where they run; that is not the app's work.
    ignoreOutgoingRequestHook: (req) => req.hostname === '169.254.169.254' || req.host === '169.254.169.254',
    // Query strings can carry secrets (Graph's validationToken): they pass the one redaction point.
    requestHook: (span, req) => {
      if (req instanceof IncomingMessage) scrubIncomingUrl(span, req);
    },
  };
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    instrumentationOptions: {
      http,
      azureSdk: { enabled: true },
      bunyan: { enabled: false },
      winston: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
    },
  });
  return true;
}

/**
 * Flushes and stops telemetry. The distro keeps its SDK instance itself; when it was never loaded
 * (telemetry off) there is nothing to flush and it is not loaded now.
 */
export async function shutdownTelemetry(): Promise<void> {
  const distro = require.cache[require.resolve('@azure/monitor-opentelemetry')]?.exports as
    typeof import('@azure/monitor-opentelemetry') | undefined;
  await distro?.shutdownAzureMonitor();
}

function scrubIncomingUrl(span: Span, req: IncomingMessage): void {
  const target = req.url ?? '/';
  if (!target.includes('?')) return;
  const origin = `http://${req.headers.host ?? 'localhost'}`;
  const full = redactText(origin + target); // masks the whole query string of a URL
  span.setAttributes({
    'http.url': full,
    'url.full': full,
    'http.target': full.slice(origin.length),
    'url.query': full.split('?')[1] ?? '',
  });
}

/** Counters for bot turns; no-ops (and nearly free) when telemetry is off. */
export interface TurnMetrics {
  turn(activityType: string): void;
  turnFailed(activityType: string): void;
}

export function createTurnMetrics(): TurnMetrics {
  const meter = metrics.getMeter('rootmail');
  const turns = meter.createCounter('rootmail.bot.turns', {
    description: 'Bot Framework activities handled, by activity type',
  });
  const failures = meter.createCounter('rootmail.bot.turn_errors', {
    description: 'Bot turns that ended in an unhandled error, by activity type',
  });
  return {
    turn: (activityType) => turns.add(1, { 'activity.type': activityType }),
    turnFailed: (activityType) => failures.add(1, { 'activity.type': activityType }),
  };
}
