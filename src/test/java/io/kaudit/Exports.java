package io.kaudit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.kaudit.event.JsonReader;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/** Audit events written as exports are: YAML as gcloud logging read and kubectl write it, pretty-printed JSON. */
public final class Exports {
    private Exports() {
    }

    /** One event line pretty-printed (Jackson's default printer, as {@code kubectl -o json} indents), ending its line. */
    public static String prettyJson(String json) throws IOException {
        StringWriter w = new StringWriter();
        try (JsonParser p = JsonReader.FACTORY.createParser(json);
             JsonGenerator g = JsonReader.FACTORY.createGenerator(w).useDefaultPrettyPrinter()) {
            p.nextToken();
            g.copyCurrentStructure(p);
        }
        return w + "\n";
    }

    /** One '---' document per event line (JSON is YAML, so each line loads as it is). */
    public static String yaml(List<String> jsonLines) {
        DumperOptions block = new DumperOptions();
        block.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        block.setExplicitStart(true);
        Yaml yaml = new Yaml(block);
        List<Object> docs = new ArrayList<>();
        for (String line : jsonLines) {
            docs.add(yaml.load(line));
        }
        return yaml.dumpAll(docs.iterator());
    }
}
