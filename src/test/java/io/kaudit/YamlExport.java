package io.kaudit;

import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/** Audit events written as a YAML export, the way gcloud logging read and kubectl write them. */
public final class YamlExport {
    private YamlExport() {
    }

    /** One '---' document per event line (JSON is YAML, so each line loads as it is). */
    public static String of(List<String> jsonLines) {
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
