package io.kaudit.framing;

import io.kaudit.source.Input;
/**
 * A run of whole lines of one input, for a worker to split and decode. Lines are numbered by the
 * consumer (which sees chunks in order); a chunk without data stands for one line longer than the
 * limit, skipped unread ({@code oversized} bytes).
 *
 * @param input     the input it came from
 * @param data      the bytes; {@code [0, length)} holds whole lines (the last may lack its newline)
 * @param fileStart true for the first chunk of an input (where a UTF-8 BOM may sit)
 * @param oversized the length of a skipped over-long line, or 0 for an ordinary chunk
 */
public record Chunk(Input input, byte[] data, int length, boolean fileStart, long oversized) {
}
