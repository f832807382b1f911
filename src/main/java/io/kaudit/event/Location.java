package io.kaudit.event;

/**
 * Where an event came from: the file as the user named it, the 1-based line in the decompressed
 * file, and for a line holding several events (EventList, array, records) the 0-based item index,
 * or -1 for a line that is a single event.
 */
public record Location(String path, long line, int index) {
    @Override
    public String toString() {
        return path + ":" + line + (index >= 0 ? "#" + index : "");
    }
}
