package io.kaudit.event;

/**
 * Where an event came from: the file as the user named it, the 1-based line in the decompressed
 * file, and for a line holding several events (EventList, array, records) the 0-based item index,
 * or -1 for a line that is a single event. A Kafka record is placed by topic ({@code path}),
 * partition ({@code partition} &gt;= 0) and offset ({@code line}); files have partition -1.
 */
public record Location(String path, long line, int index, int partition) {
    public Location(String path, long line, int index) {
        this(path, line, index, -1);
    }

    /** The place of (an item of) a Kafka record. */
    public static Location ofRecord(String topic, int partition, long offset, int index) {
        return new Location(topic, offset, index, partition);
    }

    /** Whether this is a Kafka record's place (topic, partition, offset) rather than a file's. */
    public boolean isRecord() {
        return partition >= 0;
    }

    /** The file, or for a record its topic and partition ({@code topic/partition}). */
    public String source() {
        return isRecord() ? path + "/" + partition : path;
    }

    /** The same place at another line (files) or offset (records). */
    public Location atLine(long newLine) {
        return new Location(path, newLine, index, partition);
    }

    @Override
    public String toString() {
        return (isRecord() ? source() + "@" + line : path + ":" + line) + (index >= 0 ? "#" + index : "");
    }
}
