package io.kaudit.repl;

import io.kaudit.rule.FieldDef;
import io.kaudit.rule.Fields;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.reader.impl.completer.StringsCompleter;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;

/**
 * The shell around {@link Commands}: a JLine line editor on a terminal (history in the user's home,
 * completion of commands and fields, multi-line input while a parenthesis or quote is open, Ctrl-C
 * cancels a query, Ctrl-D quits), or plain lines from a script.
 */
public final class Repl {
    /** Adds logs to the session ({@code load PATH}). */
    public interface Loader {
        void load(String path, PrintWriter out) throws IOException;
    }

    private final Commands commands;
    private final Loader loader;
    private final List<String> macros;

    public Repl(Commands commands, Loader loader, List<String> macros) {
        this.commands = commands;
        this.loader = loader;
        this.macros = macros;
    }

    /** An interactive session on {@code terminal}; returns the exit code. */
    public int interactive(Terminal terminal, Path history) {
        if (terminal.getWidth() <= 0 || terminal.getHeight() <= 0) {
            terminal.setSize(new Size(120, 40));   // some ptys report 0x0; JLine would cut the prompt
        }
        DefaultParser parser = new DefaultParser();
        parser.setEofOnUnclosedBracket(DefaultParser.Bracket.ROUND);
        parser.setEofOnUnclosedQuote(true);
        parser.setEofOnEscapedNewLine(true);
        List<String> words = new ArrayList<>(Commands.NAMES);
        words.add("where");
        words.addAll(List.of("and", "or", "not", "in", "intersects", "contains", "startswith", "endswith", "exists"));
        for (FieldDef f : Fields.all()) {
            words.add(f.name());
        }
        words.addAll(macros);
        LineReaderBuilder builder = LineReaderBuilder.builder().terminal(terminal).appName("kaudit")
                .completer(new StringsCompleter(words)).parser(parser)
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, "   ...> ")
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true);
        if (history != null) {   // without a home, the history lasts the session
            builder.variable(LineReader.HISTORY_FILE, history);
        }
        LineReader reader = builder.build();
        PrintWriter out = terminal.writer();
        out.println("kaudit repl: type help, Tab completes, Ctrl-D quits.");
        while (true) {
            String line;
            try {
                line = reader.readLine("kaudit> ");
            } catch (UserInterruptException e) {
                continue;   // Ctrl-C on the prompt: a fresh line
            } catch (EndOfFileException e) {
                return 0;
            }
            Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> commands.cancel());
            try {
                if (!execute(line, out, out)) {
                    return 0;
                }
            } finally {
                terminal.handle(Terminal.Signal.INT, previous);
            }
            out.flush();
        }
    }

    /** Runs commands read one per line (a script on stdin). Returns 2 if any failed, else 0. */
    public int script(BufferedReader in, PrintWriter out, PrintWriter err) throws IOException {
        int code = 0;
        String line;
        long n = 0;
        while ((line = in.readLine()) != null) {
            n++;
            try {
                if (!runOrThrow(line, out)) {
                    break;
                }
            } catch (Commands.CommandException e) {
                err.println("kaudit: line " + n + ": " + e.getMessage());
                err.flush();
                code = 2;
            }
            out.flush();
        }
        return code;
    }

    /** Runs one command ({@code -c}). Returns 2 if it failed. */
    public int one(String command, PrintWriter out, PrintWriter err) {
        try {
            runOrThrow(command, out);
            out.flush();
            return 0;
        } catch (Commands.CommandException e) {
            err.println("kaudit: " + e.getMessage());
            err.flush();
            return 2;
        }
    }

    /** Runs a line, reporting errors on {@code err}; false means quit. */
    private boolean execute(String line, PrintWriter out, PrintWriter err) {
        try {
            return runOrThrow(line, out);
        } catch (Commands.CommandException e) {
            err.println("error: " + e.getMessage());
            return true;
        }
    }

    private boolean runOrThrow(String line, PrintWriter out) throws Commands.CommandException {
        String text = line.strip();
        if (text.startsWith("load ") || text.equals("load")) {
            String path = text.substring(4).strip();
            if (path.isEmpty()) {
                throw new Commands.CommandException("usage: load PATH");
            }
            try {
                loader.load(path, out);
            } catch (IOException e) {
                throw new Commands.CommandException(e.getMessage());
            }
            return true;
        }
        return commands.run(text);
    }
}
