package io.kaudit.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * UTF-16 text that starts with its byte order mark, read as UTF-8: what Windows PowerShell 5 writes
 * with {@code >} or {@code Out-File}, so a log saved that way reads like the original. Invalid
 * sequences become U+FFFD, as in UTF-8 input.
 */
final class Utf16AsUtf8 extends InputStream {
    private static final int CHARS = 8192;
    private final Reader reader;
    private final CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final CharBuffer chars = CharBuffer.allocate(CHARS);
    private final ByteBuffer bytes = ByteBuffer.allocate(3 * CHARS + 16);
    private boolean eof;

    /** @param in positioned at the byte order mark (UTF-16 decoding reads it to learn the byte order) */
    Utf16AsUtf8(InputStream in) {
        this.reader = new InputStreamReader(in, StandardCharsets.UTF_16);
        chars.flip();   // both buffers start empty, ready to be read from
        bytes.flip();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!bytes.hasRemaining()) {
            if (eof) {
                return -1;
            }
            bytes.clear();
            chars.compact();   // keeps a high surrogate whose low half is still to come
            eof = reader.read(chars) < 0;
            chars.flip();
            encoder.encode(chars, bytes, eof);
            if (eof) {
                encoder.flush(bytes);
            }
            bytes.flip();
        }
        int n = Math.min(len, bytes.remaining());
        bytes.get(b, off, n);
        return n;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
