package io.kaudit;

import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonReader;
import io.kaudit.event.Projection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the data block of an HTML report written by kaudit. */
public final class ReportFile {
    private ReportFile() {
    }

    public static JsonObject data(Path html) throws IOException {
        String page = Files.readString(html);
        String open = "<script type=\"application/json\" id=\"kaudit-data\">";
        int from = page.indexOf(open);
        if (from < 0) {
            throw new IOException("no report data in " + html + ": " + page.substring(0, Math.min(200, page.length())));
        }
        from += open.length();
        return (JsonObject) JsonReader.parse(page.substring(from, page.indexOf("</script>", from)), Projection.ALL);
    }
}
