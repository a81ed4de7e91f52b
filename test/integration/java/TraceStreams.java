// A Kafka Streams app in the middle of a trace, for tracing-java.test.ts: its consumer and producer
// are wrapped by OpenTelemetry's Kafka client library instrumentation (KafkaTelemetry.wrap through
// a KafkaClientSupplier) on the OpenTelemetry Java SDK with the W3C Trace Context propagator. The
// library instrumentation has no hook in Kafka Streams' processing (only the Java agent has), so
// the processor does what its documentation asks of library users: it extracts the record's
// context from its headers and makes it current while it forwards the record, so the send span
// the wrapped producer starts is that context's child.
// Compiled with StdoutSpanExporter.java, with kafka-streams and the OpenTelemetry jars on the classpath.
// Usage: java TraceStreams <bootstrap> <input> <output> <applicationId> <stateDir> <expected>
//   upper-cases the values of <input> into <output>, stops after <expected> records.
// Output lines: SPAN ... (StdoutSpanExporter.java's format), then DONE.
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.DefaultKafkaClientSupplier;

public class TraceStreams {
  /** Reads a propagator's fields from Kafka record headers (the last value of each). */
  static final class HeadersGetter implements TextMapGetter<Headers> {
    @Override
    public Iterable<String> keys(Headers headers) {
      List<String> keys = new ArrayList<>();
      for (Header h : headers) keys.add(h.key());
      return keys;
    }

    @Override
    public String get(Headers headers, String key) {
      if (headers == null) return null;
      Header h = headers.lastHeader(key);
      return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String input = args[1];
    String output = args[2];
    String applicationId = args[3];
    String stateDir = args[4];
    int expected = Integer.parseInt(args[5]);

    SdkTracerProvider tracerProvider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new StdoutSpanExporter())).build();
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setTracerProvider(tracerProvider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
    KafkaTelemetry telemetry = KafkaTelemetry.create(otel);
    TextMapPropagator propagator = otel.getPropagators().getTextMapPropagator();
    HeadersGetter getter = new HeadersGetter();

    KafkaClientSupplier clients = new DefaultKafkaClientSupplier() {
      @Override
      public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return telemetry.wrap(super.getProducer(config));
      }

      @Override
      public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return telemetry.wrap(super.getConsumer(config));
      }
    };

    CountDownLatch processed = new CountDownLatch(expected);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .process(() -> new Processor<String, String, String, String>() {
          private ProcessorContext<String, String> context;

          @Override
          public void init(ProcessorContext<String, String> context) {
            this.context = context;
          }

          @Override
          public void process(Record<String, String> record) {
            Context extracted = propagator.extract(Context.root(), record.headers(), getter);
            try (Scope ignored = extracted.makeCurrent()) {
              context.forward(record.withValue(record.value().toUpperCase()));
            }
            processed.countDown();
          }
        })
        .to(output, Produced.with(Serdes.String(), Serdes.String()));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put("consumer.auto.offset.reset", "earliest");
    KafkaStreams streams = new KafkaStreams(builder.build(), props, clients);
    // For a failure's message: how far the app got.
    streams.setStateListener((now, before) -> System.err.println("state " + before + " -> " + now));
    streams.start();
    try {
      if (!processed.await(75, TimeUnit.SECONDS)) {
        throw new IllegalStateException("processed " + (expected - processed.getCount()) + " of " + expected + " records; state " + streams.state() + ", tasks " + streams.metadataForLocalThreads());
      }
    } finally {
      // Closing flushes the producer: every send span ends (and is printed) before DONE.
      streams.close(Duration.ofSeconds(30));
    }
    tracerProvider.shutdown().join(10, TimeUnit.SECONDS);
    System.out.println("DONE");
  }
}
