// The span exporter of the Java programs in tracing-java.test.ts (TraceInterop.java,
// TraceStreams.java), compiled with each: prints every ended span as one stdout line
//   SPAN <kind> <traceId> <spanId> <parentSpanId|-> <links: traceId/spanId,...|-> <name>
// (the test reads stdout line by line).
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

final class StdoutSpanExporter implements SpanExporter {
  @Override
  public synchronized CompletableResultCode export(Collection<SpanData> spans) {
    for (SpanData s : spans) {
      String parent = s.getParentSpanContext().isValid() ? s.getParentSpanId() : "-";
      List<LinkData> links = s.getLinks();
      String linked = links.isEmpty()
          ? "-"
          : links.stream().map(l -> l.getSpanContext().getTraceId() + "/" + l.getSpanContext().getSpanId()).collect(Collectors.joining(","));
      System.out.println("SPAN " + s.getKind() + " " + s.getTraceId() + " " + s.getSpanId() + " " + parent + " " + linked + " " + s.getName());
    }
    System.out.flush();
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
