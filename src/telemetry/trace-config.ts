// Which trace exporter this process uses, read without loading OpenTelemetry (the CLI loads it only when on).

export const TRACE_EXPORTERS = ['none', 'otlp', 'console'] as const;
export type TraceExporter = (typeof TRACE_EXPORTERS)[number];

export class TracingConfigError extends Error {
  override name = 'TracingConfigError';
}

/** OTEL_TRACES_EXPORTER: `otlp` (OTLP over HTTP), `console`, or `none` (the default). */
export function traceExporterFromEnv(env: NodeJS.ProcessEnv = process.env): TraceExporter {
  const raw = (env.OTEL_TRACES_EXPORTER ?? '').trim() || 'none';
  if (!(TRACE_EXPORTERS as readonly string[]).includes(raw))
    throw new TracingConfigError(`OTEL_TRACES_EXPORTER: expected one of ${TRACE_EXPORTERS.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as TraceExporter;
}
