// The partition Kafka's Java producer picks for each key (its built-in partitioner: murmur2 of the
// key bytes, made positive, modulo the partition count). Run by java-partitioner.ts as a
// single-file program with kafka-clients on the classpath.
// Usage: java KeyPartitions.java <partitions>; stdin: one key a line, hex-encoded; stdout: one partition a line.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

public class KeyPartitions {
  public static void main(String[] args) throws Exception {
    int partitions = Integer.parseInt(args[0]);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    StringBuilder out = new StringBuilder();
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      out.append(BuiltInPartitioner.partitionForKey(HexFormat.of().parseHex(line.trim()), partitions)).append('\n');
    }
    System.out.print(out);
  }
}
