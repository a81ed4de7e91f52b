// The Java side of tracing-java.test.ts: Kafka's Java producer and consumer instrumented with
// OpenTelemetry's Kafka client library instrumentation (KafkaTelemetry.wrap) and the OpenTelemetry
// Java SDK (W3C Trace Context propagator), exporting every ended span to stdout.
// Compiled with StdoutSpanExporter.java, with kafka-clients and the OpenTelemetry jars on the classpath.
// Usage: java TraceInterop <bootstrap> <produceTopic> <count> <consumeTopic> <groupId> <expected>
//   sends <count> records (values j0, j1, ...) to <produceTopic>, one send() each, then reads
//   <expected> records of <consumeTopic> in group <groupId> from the earliest offset.
// Output lines:
//   SPAN <kind> <traceId> <spanId> <parentSpanId|-> <links: traceId/spanId,...|-> <name>
//   RECORD <offset> <traceparent header|-> <value>
//   DONE
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class TraceInterop {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String produceTopic = args[1];
    int count = Integer.parseInt(args[2]);
    String consumeTopic = args[3];
    String groupId = args[4];
    int expected = Integer.parseInt(args[5]);

    SdkTracerProvider tracerProvider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new StdoutSpanExporter())).build();
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setTracerProvider(tracerProvider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
    KafkaTelemetry telemetry = KafkaTelemetry.create(otel);

    Properties pp = new Properties();
    pp.put("bootstrap.servers", bootstrap);
    pp.put("key.serializer", StringSerializer.class.getName());
    pp.put("value.serializer", StringSerializer.class.getName());
    try (Producer<String, String> producer = telemetry.wrap(new KafkaProducer<String, String>(pp))) {
      for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(produceTopic, "k" + i, "j" + i)).get();
    }

    Properties cp = new Properties();
    cp.put("bootstrap.servers", bootstrap);
    cp.put("group.id", groupId);
    cp.put("auto.offset.reset", "earliest");
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", StringDeserializer.class.getName());
    try (Consumer<String, String> consumer = telemetry.wrap(new KafkaConsumer<String, String>(cp))) {
      consumer.subscribe(List.of(consumeTopic));
      int read = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
      while (read < expected) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("read " + read + " of " + expected + " records of " + consumeTopic);
        // Iterating the wrapped records is what starts (and, moving on, ends) each process span.
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          Header h = r.headers().lastHeader("traceparent");
          String tp = h == null ? "-" : new String(h.value(), StandardCharsets.UTF_8);
          System.out.println("RECORD " + r.offset() + " " + tp + " " + r.value());
          read++;
        }
      }
    }
    tracerProvider.shutdown().join(10, java.util.concurrent.TimeUnit.SECONDS);
    System.out.println("DONE");
  }
}
