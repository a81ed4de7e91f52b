// Kafka Streams side of the differential test (test/unit/streams/differential.test.ts): runs each
// case's topology in Kafka Streams' own TopologyTestDriver and writes the output records as JSON.
// Compiled at test time with javac against jars fetched by Maven (nothing binary is committed).
// Usage: java -cp <jars>:<classes> DiffHarness <cases.json> <outputs.json>
//
// Every topology here has a TypeScript twin of the same name in catalogue.ts; keep them in step.
// Inputs are piped as raw bytes and outputs read as raw bytes, so the serdes inside the topology
// are the only ones that matter (String = UTF-8, Long = 8-byte big-endian on both sides).
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Aggregator;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TableJoined;
import org.apache.kafka.streams.kstream.ValueJoiner;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;

public class DiffHarness {
  static final Serde<String> S = Serdes.String();
  static final Serde<Long> L = Serdes.Long();

  /** Whether the case runs with the record cache (set per case before its topology is built). */
  static boolean cache;

  /** A store option: named (or unnamed for null), with the record cache as the case says. */
  static <K, V> Materialized<K, V, KeyValueStore<Bytes, byte[]>> mat(String name, Serde<K> k, Serde<V> v) {
    Materialized<K, V, KeyValueStore<Bytes, byte[]>> m =
        name == null ? Materialized.with(k, v) : Materialized.<K, V, KeyValueStore<Bytes, byte[]>>as(name).withKeySerde(k).withValueSerde(v);
    return cache ? m.withCachingEnabled() : m.withCachingDisabled();
  }

  /** As {@link #mat}, for window stores. */
  static <V> Materialized<String, V, WindowStore<Bytes, byte[]>> wmat(String name, Serde<V> v) {
    Materialized<String, V, WindowStore<Bytes, byte[]>> m =
        name == null ? Materialized.with(S, v) : Materialized.<String, V, WindowStore<Bytes, byte[]>>as(name).withKeySerde(S).withValueSerde(v);
    return cache ? m.withCachingEnabled() : m.withCachingDisabled();
  }

  /** As {@link #mat}, for session stores. */
  static <V> Materialized<String, V, SessionStore<Bytes, byte[]>> smat(String name, Serde<V> v) {
    Materialized<String, V, SessionStore<Bytes, byte[]>> m =
        name == null ? Materialized.with(S, v) : Materialized.<String, V, SessionStore<Bytes, byte[]>>as(name).withKeySerde(S).withValueSerde(v);
    return cache ? m.withCachingEnabled() : m.withCachingDisabled();
  }

  /** Window size of the time-windowed topologies (the windowed serde needs it only to read). */
  static final long WINDOW = 100;
  static final Produced<Windowed<String>, Long> TWL = Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, WINDOW), Serdes.Long());
  static final Produced<Windowed<String>, Long> SWL = Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), Serdes.Long());
  static final Produced<Windowed<String>, String> SWS = Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), Serdes.String());

  static StreamJoined<String, String, String> joined(String storeName) {
    StreamJoined<String, String, String> j = StreamJoined.with(S, S, S);
    return storeName == null ? j : j.withStoreName(storeName);
  }

  static KStream<String, String> in(StreamsBuilder b) {
    return b.stream("in", Consumed.with(S, S));
  }

  static KStream<String, Long> nums(StreamsBuilder b) {
    return b.stream("nums", Consumed.with(S, L));
  }

  static KTable<String, String> table(StreamsBuilder b, String store) {
    return b.table("table", Consumed.with(S, S), mat(store, S, S));
  }

  /** The second table: the `global` topic read as a table. */
  static KTable<String, String> table2(StreamsBuilder b, String store) {
    return b.table("global", Consumed.with(S, S), mat(store == null ? null : store + "-2", S, S));
  }

  /**
   * KTable.join with a foreign-key extractor on key and value (Kafka Streams 4+), called by
   * reflection so the harness still compiles against Kafka 3.x (which leaves such cases out).
   */
  @SuppressWarnings("unchecked")
  static KTable<String, String> joinOnKeyAndValue(KTable<String, String> left, KTable<String, String> right, BiFunction<String, String, String> extractor,
      ValueJoiner<String, String, String> joiner, TableJoined<String, String> tableJoined, Materialized<String, String, KeyValueStore<Bytes, byte[]>> materialized) {
    try {
      return (KTable<String, String>) KTable.class
          .getMethod("join", KTable.class, BiFunction.class, ValueJoiner.class, TableJoined.class, Materialized.class)
          .invoke(left, right, extractor, joiner, tableJoined, materialized);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("KTable.join with a key-and-value foreign-key extractor needs Kafka Streams 4+", e);
    }
  }

  /** First character, or the empty string (null stays null). */
  static String first(String v) {
    return v == null ? null : v.substring(0, Math.min(1, v.length()));
  }

  static final Produced<String, Long> SL = Produced.with(S, L);
  static final Produced<String, String> SS = Produced.with(S, S);

  static final Map<String, BiConsumer<StreamsBuilder, String>> TOPOLOGIES = new LinkedHashMap<>();

  static void def(String name, BiConsumer<StreamsBuilder, String> build) {
    TOPOLOGIES.put(name, build);
  }

  // The second argument of each builder is the store name prefix: null for unnamed stores.
  static {
    // Stateless.
    def("filter", (b, n) -> {
      KStream<String, String> s = in(b);
      s.filter((k, v) -> v != null && v.length() % 2 == 0).to("out", SS);
      s.filterNot((k, v) -> k == null).to("out2", SS);
    });
    def("map", (b, n) -> in(b).map((k, v) -> KeyValue.pair(v, k)).to("out", SS));
    def("mapValues", (b, n) -> in(b).mapValues((k, v) -> k + ":" + v).to("out", SS));
    def("flatMap", (b, n) -> in(b)
        .flatMap((k, v) -> v == null ? Collections.<KeyValue<String, String>>emptyList() : Arrays.asList(KeyValue.pair(k, v), KeyValue.pair(v, k)))
        .to("out", SS));
    def("flatMapValues", (b, n) -> in(b).flatMapValues(v -> {
      List<String> out = new ArrayList<>();
      if (v == null) {
        out.add(null);
        out.add("none");
      } else {
        for (int i = 0; i < v.length(); i++) out.add(v.substring(i, i + 1));
      }
      return out;
    }).to("out", SS));
    def("selectKey", (b, n) -> in(b).selectKey((k, v) -> first(v)).to("out", SS));
    def("peek", (b, n) -> {
      int[] seen = {0};
      in(b).peek((k, v) -> seen[0]++).mapValues(v -> v + "#" + seen[0]).to("out", SS);
    });
    def("split", (b, n) -> in(b).split(Named.as("sp-"))
        .branch((k, v) -> k == null, Branched.withConsumer(s -> s.to("out-a", SS)))
        .branch((k, v) -> v != null && v.compareTo("m") < 0, Branched.withConsumer(s -> s.to("out-b", SS)))
        .defaultBranch(Branched.withConsumer(s -> s.to("out-c", SS))));
    def("merge", (b, n) -> in(b).merge(b.stream("in2", Consumed.with(S, S))).to("out", SS));
    def("to-extractor", (b, n) -> in(b).to((k, v, ctx) -> k == null ? "out-a" : "out-" + ctx.timestamp() % 2, SS));
    def("topic-list", (b, n) -> b.stream(Arrays.asList("in", "in2"), Consumed.with(S, S)).mapValues(v -> "l" + v).to("out", SS));
    def("pattern", (b, n) -> b.stream(Pattern.compile("in2?"), Consumed.with(S, S)).mapValues(v -> "p" + v).to("out", SS));
    // Processor API inside the DSL: record metadata, a changed timestamp, stream-time and wall-clock punctuators.
    def("process", (b, n) -> in(b).process(() -> new Processor<String, String, String, String>() {
      private ProcessorContext<String, String> ctx;

      @Override
      public void init(ProcessorContext<String, String> context) {
        ctx = context;
        ctx.schedule(Duration.ofMillis(100), PunctuationType.STREAM_TIME, ts -> ctx.forward(new Record<>("tick", "t" + ts, ts)));
        ctx.schedule(Duration.ofMillis(40), PunctuationType.WALL_CLOCK_TIME, ts -> ctx.forward(new Record<>("wall", "w" + ts, ts)));
      }

      @Override
      public void process(Record<String, String> r) {
        ctx.forward(r.withValue(r.value() + "@" + ctx.recordMetadata().get().offset()).withTimestamp(r.timestamp() + 1));
      }
    }).to("out", SS));
    def("repartition", (b, n) -> in(b).repartition(Repartitioned.with(S, S).withName("rep")).mapValues(v -> "r" + v).to("out", SS));

    // Stream aggregations.
    def("count", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).count(mat(n, S, L)).toStream().to("out", SL));
    def("groupBy-count", (b, n) -> in(b).groupBy((k, v) -> first(v), Grouped.with(S, S)).count(mat(n, S, L)).toStream().to("out", SL));
    def("selectKey-count", (b, n) -> in(b).selectKey((k, v) -> first(v)).groupByKey(Grouped.with(S, S)).count(mat(n, S, L)).toStream().to("out", SL));
    def("reduce", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).reduce((a, v) -> a + "+" + v, mat(n, S, S)).toStream().to("out", SS));
    def("aggregate", (b, n) -> nums(b).groupByKey(Grouped.with(S, L)).aggregate(() -> 0L, (k, v, a) -> a + v, mat(n, S, L)).toStream().to("out", SL));
    def("aggregate-string", (b, n) -> in(b).groupByKey(Grouped.with(S, S))
        .aggregate(() -> "", (k, v, a) -> a + v.length(), mat(n, S, S)).toStream().to("out", SS));

    def("groupBy-reduce", (b, n) -> in(b).groupBy((k, v) -> first(v), Grouped.with(S, S))
        .reduce((a, v) -> a + "+" + v, mat(n, S, S)).toStream().to("out", SS));
    def("merge-count", (b, n) -> in(b).merge(b.stream("in2", Consumed.with(S, S))).groupByKey(Grouped.with(S, S))
        .count(mat(n, S, L)).toStream().to("out", SL));
    def("count-groupBy-count", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).count(mat(n == null ? null : n + "-src", S, L))
        .groupBy((k, v) -> KeyValue.pair(String.valueOf(v % 3), k), Grouped.with(S, S)).count(mat(n, S, L)).toStream().to("out", SL));
    def("count-filter", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).count(mat(n, S, L))
        .filter((k, v) -> v % 2 == 0).toStream().to("out", SL));

    // Windowed aggregations.
    def("tumbling-count", (b, n) -> in(b).groupByKey(Grouped.with(S, S))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(WINDOW), Duration.ofMillis(200))).count(wmat(n, L)).toStream().to("out", TWL));
    def("hopping-aggregate", (b, n) -> nums(b).groupByKey(Grouped.with(S, L))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(WINDOW), Duration.ofMillis(50)).advanceBy(Duration.ofMillis(40)))
        .aggregate(() -> 0L, (k, v, a) -> v == null ? a : a + v, wmat(n, L)).toStream().to("out", TWL));
    def("sliding-count", (b, n) -> in(b).groupByKey(Grouped.with(S, S))
        .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(50), Duration.ofMillis(100))).count(wmat(n, L)).toStream().to("out", TWL));
    def("session-count", (b, n) -> in(b).groupByKey(Grouped.with(S, S))
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(60), Duration.ofMillis(100))).count(smat(n, L)).toStream().to("out", SWL));
    def("session-reduce", (b, n) -> in(b).groupByKey(Grouped.with(S, S))
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(60), Duration.ofMillis(100)))
        .reduce((a, v) -> a + "+" + v, smat(n, S)).toStream().to("out", SWS));
    def("tumbling-count-onWindowClose", (b, n) -> in(b).groupByKey(Grouped.with(S, S))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(WINDOW), Duration.ofMillis(50))).emitStrategy(EmitStrategy.onWindowClose())
        .count(wmat(n, L)).toStream().to("out", TWL));
    def("tumbling-count-suppress", (b, n) -> in(b).groupByKey(Grouped.with(S, S))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(WINDOW), Duration.ofMillis(50))).count(wmat(n, L))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())).toStream().to("out", TWL));
    def("table-suppress-timeLimit", (b, n) -> table(b, n)
        .suppress(Suppressed.untilTimeLimit(Duration.ofMillis(30), Suppressed.BufferConfig.unbounded())).toStream().to("out", SS));

    // Stream-stream joins (their window stores are never cached).
    def("stream-stream-join", (b, n) -> in(b).join(b.stream("in2", Consumed.with(S, S)), (v, o) -> v + "/" + o,
        JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(50), Duration.ofMillis(100)), joined(n)).to("out", SS));
    def("stream-stream-leftJoin", (b, n) -> in(b).leftJoin(b.stream("in2", Consumed.with(S, S)), (v, o) -> v + "/" + o,
        JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(50), Duration.ofMillis(100)), joined(n)).to("out", SS));
    def("stream-stream-outerJoin", (b, n) -> in(b).outerJoin(b.stream("in2", Consumed.with(S, S)), (v, o) -> v + "/" + o,
        JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(50), Duration.ofMillis(100)), joined(n)).to("out", SS));

    // Tables.
    def("table", (b, n) -> table(b, n).toStream().to("out", SS));
    def("toTable", (b, n) -> in(b).toTable(mat(n, S, S)).toStream().to("out", SS));
    def("table-filter", (b, n) -> {
      KTable<String, String> t = table(b, n);
      t.filter((k, v) -> v.length() % 2 == 0).toStream().to("out", SS);
      t.filterNot((k, v) -> v.startsWith("a")).toStream().to("out2", SS);
    });
    def("table-mapValues", (b, n) -> table(b, n).mapValues((k, v) -> k + "=" + v).toStream().to("out", SS));
    def("table-groupBy-count", (b, n) -> table(b, n == null ? null : n + "-src")
        .groupBy((k, v) -> KeyValue.pair(first(v), v), Grouped.with(S, S)).count(mat(n, S, L)).toStream().to("out", SL));
    def("table-groupBy-reduce", (b, n) -> table(b, n == null ? null : n + "-src")
        .groupBy((k, v) -> KeyValue.pair(first(v), k + v), Grouped.with(S, S))
        .reduce((a, v) -> a + "+" + v, (a, v) -> a + "-" + v, mat(n, S, S)).toStream().to("out", SS));
    def("table-groupBy-aggregate", (b, n) -> table(b, n == null ? null : n + "-src")
        .groupBy((k, v) -> KeyValue.pair(first(v), v), Grouped.with(S, S))
        .aggregate(() -> 0L, (k, v, a) -> a + v.length(), (k, v, a) -> a - v.length(), mat(n, S, L)).toStream().to("out", SL));

    def("table-mapValues-filter", (b, n) -> table(b, n).mapValues((k, v) -> v + k)
        .filter((k, v) -> v.length() % 2 == 0).toStream().to("out", SS));
    def("table-filter-groupBy-count", (b, n) -> table(b, n == null ? null : n + "-src")
        .filter((k, v) -> !v.startsWith("a"))
        .groupBy((k, v) -> KeyValue.pair(first(v), v), Grouped.with(S, S)).count(mat(n, S, L)).toStream().to("out", SL));

    // Joins.
    def("stream-table-join", (b, n) -> in(b).join(table(b, n), (v, tv) -> v + "/" + tv).to("out", SS));
    def("stream-table-leftJoin", (b, n) -> in(b).leftJoin(table(b, n), (v, tv) -> v + "/" + tv).to("out", SS));
    def("stream-filteredTable-join", (b, n) -> in(b)
        .join(table(b, n).filter((k, v) -> !v.startsWith("a")), (v, tv) -> v + "/" + tv).to("out", SS));
    def("selectKey-table-join", (b, n) -> in(b).selectKey((k, v) -> first(v))
        .join(table(b, n), (v, tv) -> v + "/" + tv, Joined.with(S, S, S)).to("out", SS));
    def("stream-global-join", (b, n) -> {
      GlobalKTable<String, String> g = b.globalTable("global", Consumed.with(S, S), mat(n == null ? "global-store" : n, S, S));
      in(b).join(g, (k, v) -> first(v), (v, gv) -> v + "/" + gv).to("out", SS);
    });
    def("stream-global-leftJoin", (b, n) -> {
      GlobalKTable<String, String> g = b.globalTable("global", Consumed.with(S, S), mat(n == null ? "global-store" : n, S, S));
      in(b).leftJoin(g, (k, v) -> first(v), (v, gv) -> v + "/" + gv).to("out", SS);
    });
    // The key selector maps some records to a null table key.
    def("stream-global-leftJoin-nullKey", (b, n) -> {
      GlobalKTable<String, String> g = b.globalTable("global", Consumed.with(S, S), mat(n == null ? "global-store" : n, S, S));
      in(b).leftJoin(g, (k, v) -> v == null || v.startsWith("m") ? null : k, (v, gv) -> v + "/" + gv).to("out", SS);
    });

    // Table-table joins. The `global` topic doubles as the second table's changelog (same keys a-e).
    def("table-join", (b, n) -> table(b, n).join(table2(b, n), (v, o) -> v + "/" + o).toStream().to("out", SS));
    def("table-leftJoin", (b, n) -> table(b, n).leftJoin(table2(b, n), (v, o) -> v + "/" + o).toStream().to("out", SS));
    def("table-outerJoin", (b, n) -> table(b, n).outerJoin(table2(b, n), (v, o) -> v + "/" + o).toStream().to("out", SS));
    def("table-join-materialized-filter", (b, n) -> {
      KTable<String, String> j = table(b, n).leftJoin(table2(b, n), (v, o) -> v + "/" + o, mat(n == null ? null : n + "-join", S, S));
      j.toStream().to("out", SS);
      j.filter((k, v) -> v.length() % 2 == 0).toStream().to("out2", SS);
    });
    def("table-outerJoin-groupBy-count", (b, n) -> table(b, n == null ? null : n + "-1")
        .filter((k, v) -> !v.startsWith("a"))
        .outerJoin(table2(b, n).filterNot((k, v) -> v.startsWith("b")), (v, o) -> v + "/" + o)
        .groupBy((k, v) -> KeyValue.pair(first(v), v), Grouped.with(S, S)).count(mat(n, S, L)).toStream().to("out", SL));
    def("count-table-join", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).count(mat(n == null ? null : n + "-count", S, L))
        .join(table(b, n), (cnt, v) -> cnt + ":" + v)
        .leftJoin(table2(b, n), (v, o) -> v + "/" + o)
        .toStream().to("out", SS));

    // Foreign-key joins: the left value's first character is the second table's key.
    def("fk-join", (b, n) -> table(b, n).join(table2(b, n), v -> first(v), (v, o) -> v + "/" + o).toStream().to("out", SS));
    def("fk-leftJoin", (b, n) -> table(b, n)
        .leftJoin(table2(b, n), v -> v.startsWith("m") ? null : first(v), (v, o) -> v + "/" + o).toStream().to("out", SS));
    def("fk-join-key-named-materialized", (b, n) -> {
      KTable<String, String> j = joinOnKeyAndValue(table(b, n), table2(b, n), (k, v) -> k.compareTo("c") < 0 ? first(v) : k, (v, o) -> v + "/" + o,
          TableJoined.as("fk"), mat(n == null ? null : n + "-fk", S, S));
      j.toStream().to("out", SS);
      j.filter((k, v) -> v.length() % 2 == 0).toStream().to("out2", SS);
    });
    def("fk-leftJoin-filtered-groupBy-count", (b, n) -> table(b, n == null ? null : n + "-1")
        .filter((k, v) -> !v.startsWith("b"))
        .leftJoin(table2(b, n), v -> first(v), (v, o) -> v + "/" + o, TableJoined.with(null, null), mat(null, S, S))
        .groupBy((k, v) -> KeyValue.pair(v.substring(v.length() - 1), v), Grouped.with(S, S)).count(mat(n, S, L)).toStream().to("out", SL));
  }

  /** Serdes of a stream-stream join, and its store name when the case names stores. */
  static StreamJoined<String, String, String> sj(String n) {
    StreamJoined<String, String, String> j = StreamJoined.with(S, S, S);
    return n == null ? j : j.withStoreName(n);
  }

  static KStream<String, String> in2(StreamsBuilder b) {
    return b.stream("in2", Consumed.with(S, S));
  }

  static JoinWindows jw(long diff, long grace) {
    return JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(diff), Duration.ofMillis(grace));
  }

  static {
    // Stream-stream joins.
    def("ss-join", (b, n) -> in(b).join(in2(b), (v, o) -> v + "/" + o, jw(100, 0), sj(n)).to("out", SS));
    def("ss-join-withKey", (b, n) -> in(b).join(in2(b), (k, v, o) -> k + ":" + v + "/" + o, jw(30, 0).before(Duration.ZERO), sj(n)).to("out", SS));
    def("ss-leftJoin", (b, n) -> in(b).leftJoin(in2(b), (v, o) -> v + "/" + o, jw(50, 30), sj(n)).to("out", SS));
    def("ss-outerJoin", (b, n) -> in(b).outerJoin(in2(b), (v, o) -> v + "/" + o, jw(60, 20).before(Duration.ofMillis(10)), sj(n)).to("out", SS));
    def("ss-outerJoin-negativeAfter", (b, n) -> in(b).outerJoin(in2(b), (v, o) -> v + "/" + o, jw(40, 0).after(Duration.ofMillis(-10)), sj(n)).to("out", SS));
    def("ss-selfJoin", (b, n) -> {
      KStream<String, String> s = in(b);
      s.join(s, (v, o) -> v + "/" + o, jw(50, 10), sj(n)).to("out", SS);
    });
    def("ss-selectKey-leftJoin", (b, n) -> in(b).selectKey((k, v) -> first(v)).leftJoin(in2(b), (v, o) -> v + "/" + o, jw(80, 0), sj(n)).to("out", SS));
    def("ss-outerJoin-both-rekeyed", (b, n) -> in(b).selectKey((k, v) -> first(v))
        .outerJoin(in2(b).selectKey((k, v) -> first(v)), (v, o) -> v + "/" + o, jw(70, 40), sj(n)).to("out", SS));
  }

  static final Produced<Windowed<String>, String> TWS = Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, WINDOW), Serdes.String());

  // Cogroup aggregators (windowed aggregations pass null values to them; non-windowed ones skip them).
  static final Aggregator<String, String, String> PLUS = (k, v, a) -> a + "+" + v;
  static final Aggregator<String, String, String> MINUS = (k, v, a) -> a + "-" + v;
  static final Aggregator<String, String, Long> ADD_LENGTH = (k, v, a) -> v == null ? a : a + v.length();
  static final Aggregator<String, Long, Long> ADD_NUM = (k, v, a) -> v == null ? a : a + v;

  static {
    // Cogroups; in "cogroup" one input is re-keyed and goes through <store name>-repartition.
    def("cogroup", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).cogroup(PLUS)
        .cogroup(in2(b).groupBy((k, v) -> first(v), Grouped.with(S, S)), MINUS)
        .aggregate(() -> "", mat(n, S, S)).toStream().to("out", SS));
    def("cogroup-mixed-values", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).cogroup(ADD_LENGTH)
        .cogroup(nums(b).groupByKey(Grouped.with(S, L)), ADD_NUM)
        .aggregate(() -> 0L, mat(n, S, L)).toStream().to("out", SL));
    def("cogroup-tumbling", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).cogroup(PLUS)
        .cogroup(in2(b).selectKey((k, v) -> first(v)).groupByKey(Grouped.with(S, S)), MINUS)
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(WINDOW), Duration.ofMillis(50)))
        .aggregate(() -> "", wmat(n, S)).toStream().to("out", TWS));
    def("cogroup-hopping", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).cogroup(ADD_LENGTH)
        .cogroup(nums(b).groupByKey(Grouped.with(S, L)), ADD_NUM)
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(WINDOW), Duration.ofMillis(50)).advanceBy(Duration.ofMillis(40)))
        .aggregate(() -> 0L, wmat(n, L)).toStream().to("out", TWL));
    def("cogroup-sliding", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).cogroup(ADD_LENGTH)
        .cogroup(nums(b).groupByKey(Grouped.with(S, L)), ADD_NUM)
        .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(50), Duration.ofMillis(100)))
        .aggregate(() -> 0L, wmat(n, L)).toStream().to("out", TWL));
    def("cogroup-session", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).cogroup(PLUS)
        .cogroup(in2(b).groupByKey(Grouped.with(S, S)), MINUS)
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(60), Duration.ofMillis(100)))
        .aggregate(() -> "", (k, a1, a2) -> a1 + "|" + a2, smat(n, S)).toStream().to("out", SWS));
  }

  // Versioned tables (history retention 1 s; versioned stores are never cached).
  static final long HISTORY_MS = 1_000;

  static Materialized<String, String, KeyValueStore<Bytes, byte[]>> vmat(String n, String suffix) {
    return Materialized.<String, String>as(Stores.persistentVersionedKeyValueStore((n == null ? "v" : n) + suffix, Duration.ofMillis(HISTORY_MS)))
        .withKeySerde(S).withValueSerde(S);
  }

  static KTable<String, String> vtable(StreamsBuilder b, String n) {
    return b.table("table", Consumed.with(S, S), vmat(n, "-vt"));
  }

  static KTable<String, String> vtable2(StreamsBuilder b, String n) {
    return b.table("global", Consumed.with(S, S), vmat(n, "-vt2"));
  }

  static {
    def("versioned-table", (b, n) -> vtable(b, n).toStream().to("out", SS));
    def("versioned-toTable", (b, n) -> in(b).toTable(vmat(n, "-vt")).toStream().to("out", SS));
    def("versioned-table-filter-mapValues", (b, n) -> vtable(b, n).filter((k, v) -> !v.startsWith("a")).mapValues((k, v) -> k + "=" + v)
        .toStream().to("out", SS));
    def("versioned-stream-table-join", (b, n) -> in(b).join(vtable(b, n), (v, tv) -> v + "/" + tv).to("out", SS));
    // Null keys filtered out first: the grace buffer throws on them.
    def("versioned-stream-table-leftJoin-grace", (b, n) -> in(b).filter((k, v) -> k != null)
        .leftJoin(vtable(b, n), (v, tv) -> v + "/" + tv, Joined.with(S, S, S).withGracePeriod(Duration.ofMillis(60))).to("out", SS));
    def("versioned-stream-table-join-grace-mapValues", (b, n) -> in(b)
        .join(vtable(b, n).mapValues(v -> v.toUpperCase()), (v, tv) -> v + "/" + tv, Joined.with(S, S, S).withGracePeriod(Duration.ofMillis(20)))
        .to("out", SS));
    def("versioned-selectKey-table-leftJoin", (b, n) -> in(b).selectKey((k, v) -> v == null || v.startsWith("m") ? null : first(v))
        .leftJoin(vtable(b, n), (v, tv) -> v + "/" + tv, Joined.with(S, S, S)).to("out", SS));
    def("versioned-table-join", (b, n) -> vtable(b, n).join(vtable2(b, n), (v, o) -> v + "/" + o).toStream().to("out", SS));
    def("versioned-table-leftJoin-mixed", (b, n) -> vtable(b, n).leftJoin(table2(b, n), (v, o) -> v + "/" + o).toStream().to("out", SS));
    def("versioned-table-outerJoin-mixed", (b, n) -> {
      KTable<String, String> j = table(b, n).outerJoin(vtable2(b, n), (v, o) -> v + "/" + o, mat(n == null ? null : n + "-join", S, S));
      j.toStream().to("out", SS);
      j.filter((k, v) -> v.length() % 2 == 0).toStream().to("out2", SS);
    });
    def("versioned-table-groupBy-count", (b, n) -> vtable(b, n).groupBy((k, v) -> KeyValue.pair(first(v), v), Grouped.with(S, S))
        .count(mat(n, S, L)).toStream().to("out", SL));
    def("versioned-fk-join", (b, n) -> vtable(b, n).join(vtable2(b, n), v -> first(v), (v, o) -> v + "/" + o).toStream().to("out", SS));
    def("versioned-fk-leftJoin-left-versioned", (b, n) -> vtable(b, n)
        .leftJoin(table2(b, n), v -> v.startsWith("m") ? null : first(v), (v, o) -> v + "/" + o).toStream().to("out", SS));
    def("versioned-fk-leftJoin-right-versioned", (b, n) -> {
      KTable<String, String> j = table(b, n).leftJoin(vtable2(b, n), v -> first(v), (v, o) -> v + "/" + o, TableJoined.with(null, null),
          mat(n == null ? null : n + "-fk", S, S));
      j.toStream().to("out", SS);
      j.filter((k, v) -> v.length() % 2 == 0).toStream().to("out2", SS);
    });
    // Join results materialized on a versioned store.
    def("versioned-result-table-outerJoin", (b, n) -> {
      KTable<String, String> j = table(b, n).outerJoin(table2(b, n), (v, o) -> v + "/" + o, vmat(n, "-vj"));
      j.toStream().to("out", SS);
      j.groupBy((k, v) -> KeyValue.pair(first(v), v), Grouped.with(S, S)).count(mat(n == null ? null : n + "-count", S, L)).toStream().to("out2", SL);
    });
    def("versioned-result-fk-leftJoin", (b, n) -> {
      KTable<String, String> j = table(b, n).leftJoin(table2(b, n), v -> first(v), (v, o) -> v + "/" + o, TableJoined.with(null, null), vmat(n, "-vfk"));
      j.toStream().to("out", SS);
      in(b).join(j, (v, jv) -> v + "=" + jv).to("out2", SS);
    });
    // Aggregations on a versioned store (never cached).
    def("versioned-count-temporal-join", (b, n) -> {
      KTable<String, Long> counts = in(b).groupByKey(Grouped.with(S, S))
          .count(Materialized.<String, Long>as(Stores.persistentVersionedKeyValueStore((n == null ? "v" : n) + "-vc", Duration.ofMillis(HISTORY_MS)))
              .withKeySerde(S).withValueSerde(L));
      counts.toStream().to("out", SL);
      in2(b).join(counts, (v, cnt) -> v + "#" + cnt).to("out2", SS);
    });
    def("versioned-table-groupBy-reduce", (b, n) -> table(b, n == null ? null : n + "-src")
        .groupBy((k, v) -> KeyValue.pair(first(v), k + v), Grouped.with(S, S))
        .reduce((a, v) -> a + "+" + v, (a, v) -> a + "-" + v, vmat(n, "-vr")).toStream().to("out", SS));
    def("versioned-cogroup", (b, n) -> in(b).groupByKey(Grouped.with(S, S)).cogroup(PLUS)
        .cogroup(in2(b).groupByKey(Grouped.with(S, S)), MINUS)
        .aggregate(() -> "", vmat(n, "-vcg")).toStream().to("out", SS));

    // Stream-table left joins after a key change: null keys go through the repartition topic.
    def("selectKey-table-leftJoin-nullKey", (b, n) -> in(b).selectKey((k, v) -> v == null || v.startsWith("m") ? null : first(v))
        .leftJoin(table(b, n), (v, tv) -> v + "/" + tv, Joined.with(S, S, S)).to("out", SS));
    def("repartition-table-leftJoin", (b, n) -> in(b).repartition(Repartitioned.with(S, S).withName("rep"))
        .leftJoin(table(b, n), (v, tv) -> v + "/" + tv).to("out", SS));
  }

  /** Pseudo-topic of the inputs that advance the mocked wall clock by their timestamp (inputs.ts). */
  static final String WALL_CLOCK = "(wall-clock)";

  static byte[] bytes(JsonNode n) {
    return n == null || n.isNull() ? null : Base64.getDecoder().decode(n.asText());
  }

  static String b64(byte[] b) {
    return b == null ? null : Base64.getEncoder().encodeToString(b);
  }

  /**
   * State directory of this run's drivers: its own, so persistent (RocksDB) stores never meet the
   * files of another run with the same application id (a parallel or killed one).
   */
  static String stateDir;

  public static void main(String[] args) throws Exception {
    stateDir = java.nio.file.Files.createTempDirectory("peridot-diff-state-").toString();
    ObjectMapper mapper = new ObjectMapper();
    JsonNode cases = mapper.readTree(new File(args[0])).get("cases");
    ObjectNode results = mapper.createObjectNode();
    for (JsonNode c : cases) {
      String id = c.get("id").asText();
      ObjectNode result = results.putObject(id);
      try {
        runCase(c, result);
      } catch (Throwable e) {
        StringWriter sw = new StringWriter();
        e.printStackTrace(new PrintWriter(sw));
        result.removeAll();
        result.put("error", sw.toString());
      }
    }
    mapper.writeValue(new File(args[1]), results);
    try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(java.nio.file.Paths.get(stateDir))) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  static void runCase(JsonNode c, ObjectNode result) {
    String topology = c.get("topology").asText();
    BiConsumer<StreamsBuilder, String> build = TOPOLOGIES.get(topology);
    if (build == null) throw new IllegalArgumentException("no topology named " + topology + " in DiffHarness.java");
    cache = c.get("cache").asBoolean();
    StreamsBuilder b = new StreamsBuilder();
    build.accept(b, c.get("storeName").isNull() ? null : c.get("storeName").asText());
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "diff-" + topology);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
    if (!cache) p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    try (TopologyTestDriver driver = new TopologyTestDriver(b.build(), p, Instant.ofEpochMilli(0))) {
      Map<String, TestInputTopic<byte[], byte[]>> inputs = new LinkedHashMap<>();
      for (JsonNode r : c.get("records")) {
        String topic = r.get("topic").asText();
        if (topic.equals(WALL_CLOCK)) {
          driver.advanceWallClockTime(Duration.ofMillis(r.get("timestamp").asLong()));
          continue;
        }
        TestInputTopic<byte[], byte[]> t =
            inputs.computeIfAbsent(topic, name -> driver.createInputTopic(name, new ByteArraySerializer(), new ByteArraySerializer()));
        RecordHeaders headers = new RecordHeaders();
        for (JsonNode h : r.get("headers")) headers.add(h.get(0).asText(), bytes(h.get(1)));
        t.pipeInput(new TestRecord<>(bytes(r.get("key")), bytes(r.get("value")), headers, r.get("timestamp").asLong()));
      }
      for (JsonNode o : c.get("outputs")) {
        String topic = o.asText();
        TestOutputTopic<byte[], byte[]> t = driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        ArrayNode list = result.putArray(topic);
        for (TestRecord<byte[], byte[]> r : t.readRecordsToList()) {
          ObjectNode rec = list.addObject();
          rec.put("key", b64(r.key()));
          rec.put("value", b64(r.value()));
          rec.put("timestamp", r.timestamp());
          ArrayNode hs = rec.putArray("headers");
          for (Header h : r.headers()) {
            ArrayNode pair = hs.addArray();
            pair.add(h.key());
            pair.add(b64(h.value()));
          }
        }
      }
    }
  }
}
