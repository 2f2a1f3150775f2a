// OpenTelemetry traces, off unless OTEL_TRACES_EXPORTER says otherwise: one trace from the client that starts an
// export through the workflow and each activity to each HTTP call to the cloud. Temporal's interceptors carry the
// context across processes in Temporal headers; inside a worker it flows through AsyncLocalStorage. Endpoint,
// headers and the like come from the standard OTEL_EXPORTER_OTLP_* variables, read by the exporter itself.
import { join } from 'node:path';
import { type Span, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NoopSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import type { HttpObserver } from '../cloud/http';
import type { TraceExporter } from './trace-config';

/**
 * The workflow half of the tracing interceptors, by whether this worker traces: src/workflows/tracing.ts (new runs
 * record a patch and are traced) or src/workflows/tracing-replays.ts (new runs get no interceptor: they cost memory
 * and CPU per cached workflow). Both replay every history as it was recorded, so turning tracing on or off never
 * changes the code a history is replayed with.
 */
// Without an extension: the bundler finds the .ts from source and the .js when built.
export function workflowInterceptorModules(traced: boolean): string[] {
  return [join(__dirname, '..', 'workflows', traced ? 'tracing' : 'tracing-replays')];
}

export interface Tracing {
  /** Whether spans leave this process: the workflow bundle then traces new runs. */
  enabled: boolean;
  /** For Worker.create: the activity interceptors and the sink the workflow interceptors send their spans to. */
  worker: Pick<WorkerOptions, 'interceptors' | 'sinks'>;
  /** For a Temporal Client: starts, signals and updates carry the current trace. */
  client: ClientInterceptors;
  /** A span per HTTP attempt, child of the activity's span; undefined when off. */
  http?: HttpObserver;
  /** Sends what is buffered. */
  flush(): Promise<void>;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  exporter: TraceExporter;
  /** OTEL_SERVICE_NAME, else this. */
  serviceName: string;
  /** Instead of `exporter` (tests): where the spans go. */
  spanExporter?: SpanExporter;
}

/** Sets up tracing for this process: registers the global tracer provider when on. */
export function startTracing(o: TracingOptions): Tracing {
  const resource = new Resource({ 'service.name': process.env.OTEL_SERVICE_NAME || o.serviceName });
  const spanExporter = o.spanExporter ?? makeExporter(o.exporter);
  if (!spanExporter) {
    // The workflow interceptors are in every bundle and send their spans to this sink; with tracing off it drops them.
    return {
      enabled: false,
      worker: { sinks: { exporter: makeWorkflowExporter(new NoopSpanProcessor(), resource) } },
      client: {},
      flush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
  }
  const processor: SpanProcessor = new BatchSpanProcessor(spanExporter, { scheduledDelayMillis: 1000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global: the activity interceptors take their tracer from it; also installs the AsyncLocalStorage context.
  provider.register();
  return {
    enabled: true,
    worker: {
      interceptors: {
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
      },
      sinks: { exporter: makeWorkflowExporter(processor, resource) },
    },
    client: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    http: httpSpans(),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

function makeExporter(kind: TraceExporter): SpanExporter | undefined {
  if (kind === 'otlp') return new OTLPTraceExporter();
  if (kind === 'console') return new ConsoleSpanExporter();
  return undefined;
}

/** A CLIENT span per HTTP attempt, named `<method> <operation>`; the URL is kept without its query string. */
export function httpSpans(): HttpObserver {
  const tracer = trace.getTracer('evs-image-export');
  return {
    attempt(info) {
      const span: Span = tracer.startSpan(
        `${info.method} ${info.op}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': info.method,
            'url.full': info.url,
            'server.address': new URL(info.url).hostname,
            'http.request.resend_count': info.attempt - 1,
            'cloud.service': info.service,
            'cloud.operation': info.op,
          },
        },
        context.active(),
      );
      return (outcome) => {
        if (typeof outcome.status === 'number') span.setAttribute('http.response.status_code', outcome.status);
        if (outcome.throttled) span.setAttribute('cloud.throttled', true);
        const failed = typeof outcome.status !== 'number' || outcome.status >= 400;
        if (failed) {
          span.setAttribute('error.type', outcome.code || String(outcome.status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      };
    },
  };
}

/** Tells every observer of each attempt. */
export function observeAll(...observers: (HttpObserver | undefined)[]): HttpObserver | undefined {
  const list = observers.filter((o): o is HttpObserver => o !== undefined);
  if (list.length <= 1) return list[0];
  return {
    attempt(info) {
      const ends = list.map((o) => o.attempt(info));
      return (outcome) => ends.forEach((end) => end(outcome));
    },
  };
}
