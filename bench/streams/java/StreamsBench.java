// Kafka Streams baseline for bench/streams: JSON in, JSON out, exactly_once_v2.
// Compiled at bench time with javac against jars fetched by Maven (nothing binary is committed).
// Usage: java -cp <jars>:<classes> StreamsBench <bootstrap> <applicationId> <input> <output>
//            <commitIntervalMs> <stateDir> <threads> [pipeline|windowed|join] [<payments>]
// pipeline: JSON in, JSON out. windowed: count per key in 5-minute windows advancing by 1 minute,
// suppressed until each window closes, written with the time-windowed key serde. join: <input>
// (orders) inner-joined with <payments> by key within 5 minutes either way, no grace, written as
// {"order":...,"payment":...}.
// Prints STARTING right before KafkaStreams.start(); stops on SIGTERM (the runner sends it once the
// output is committed).
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;

public class StreamsBench {
  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Integer.parseInt(args[4]));
    p.put(StreamsConfig.STATE_DIR_CONFIG, args[5]);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(args[6]));
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    ObjectMapper mapper = new ObjectMapper();
    Serializer<JsonNode> ser = (topic, node) -> {
      if (node == null) return null;
      try {
        return mapper.writeValueAsBytes(node);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
    Deserializer<JsonNode> de = (topic, bytes) -> {
      if (bytes == null) return null;
      try {
        return mapper.readTree(bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
    Serde<JsonNode> json = Serdes.serdeFrom(ser, de);

    StreamsBuilder builder = new StreamsBuilder();
    String workload = args.length > 7 ? args[7] : "pipeline";
    if (workload.equals("windowed")) {
      Duration size = Duration.ofMinutes(5);
      builder.stream(args[2], Consumed.with(Serdes.String(), json))
          .groupByKey(Grouped.with(Serdes.String(), json))
          .windowedBy(TimeWindows.ofSizeWithNoGrace(size).advanceBy(Duration.ofMinutes(1)))
          .count()
          .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
          .toStream()
          .to(args[3], Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, size.toMillis()), Serdes.Long()));
    } else if (workload.equals("join")) {
      KStream<String, JsonNode> orders = builder.stream(args[2], Consumed.with(Serdes.String(), json));
      KStream<String, JsonNode> payments = builder.stream(args[8], Consumed.with(Serdes.String(), json));
      orders
          .join(
              payments,
              (order, payment) -> {
                ObjectNode out = mapper.createObjectNode();
                out.set("order", order);
                out.set("payment", payment);
                return (JsonNode) out;
              },
              JoinWindows.ofTimeDifferenceWithNoGrace(Duration.ofMinutes(5)),
              StreamJoined.with(Serdes.String(), json, json))
          .to(args[3], Produced.with(Serdes.String(), json));
    } else if (workload.equals("async-io")) {
      // Each record waits for a call to the runner's local HTTP server (args[8]), synchronously:
      // a Kafka Streams task processes one record at a time. One HttpClient for the app: its
      // pool keeps the HTTP/1.1 connection alive between calls (as the Peridot side's agent does).
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create(args[8])).GET().build();
      builder.stream(args[2], Consumed.with(Serdes.String(), json))
          .mapValues(v -> {
            try {
              http.send(request, HttpResponse.BodyHandlers.discarding());
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new RuntimeException(e);
            }
            return v;
          })
          .to(args[3], Produced.with(Serdes.String(), json));
    } else {
      builder.stream(args[2], Consumed.with(Serdes.String(), json)).to(args[3], Produced.with(Serdes.String(), json));
    }
    KafkaStreams streams = new KafkaStreams(builder.build(), p);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(10));
      stopped.countDown();
    }));
    streams.setUncaughtExceptionHandler(e -> {
      e.printStackTrace();
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    System.out.println("STARTING");
    System.out.flush();
    streams.start();
    stopped.await();
  }
}
