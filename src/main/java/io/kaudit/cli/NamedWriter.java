package io.kaudit.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * A writer whose failures name where it writes ({@code stdout}, a path), so a full disk or a closed
 * pipe ends the run with a message instead of passing silently.
 */
final class NamedWriter extends Writer {
    private final Writer out;
    private final String name;

    NamedWriter(Writer out, String name) {
        this.out = out;
        this.name = name;
    }

    /**
     * The command's stdout as a writer that throws: the process's own stdout unwrapped from its
     * PrintWriter (which would swallow errors), or any other PrintWriter checked after each flush.
     */
    static Writer stdout(PrintWriter out) {
        if (out instanceof Main.Stdout s) {
            return new NamedWriter(s.direct(), "stdout");
        }
        return new NamedWriter(new Writer() {
            @Override
            public void write(char[] buf, int off, int len) {
                out.write(buf, off, len);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
                if (out.checkError()) {
                    throw new IOException("write error");
                }
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        }, "stdout");
    }

    String name() {
        return name;
    }

    private IOException named(IOException e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new IOException(name + ": cannot write: " + reason, e);
    }

    @Override
    public void write(char[] buf, int off, int len) throws IOException {
        try {
            out.write(buf, off, len);
        } catch (IOException e) {
            throw named(e);
        }
    }

    @Override
    public void write(String s, int off, int len) throws IOException {
        try {
            out.write(s, off, len);
        } catch (IOException e) {
            throw named(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw named(e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
        } catch (IOException e) {
            throw named(e);
        }
    }
}
