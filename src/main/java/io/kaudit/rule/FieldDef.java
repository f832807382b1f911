package io.kaudit.rule;

import java.util.List;
import java.util.function.Function;

/**
 * One row of the field table: what the field is called, its shape, its argument, what it means,
 * which parts of the event it reads (for projection), and how to bind it to a getter.
 *
 * @param name        {@code ka.user.name}
 * @param list        true for list fields (only in/intersects/exists apply)
 * @param arg         whether {@code field[arg]} is required, an optional index, or not allowed
 * @param numeric     true when values compare as numbers ({@code evt.rawtime})
 * @param description one line for {@code fields} and {@code rules check}
 * @param paths       the event paths read for a given argument (an empty path: the whole event)
 * @param binder      the getter for a given argument (null when none)
 */
public record FieldDef(String name, boolean list, Arg arg, boolean numeric, String description,
                       Function<String, List<List<String>>> paths, Function<String, Getter> binder) {

    public enum Arg {
        NONE, REQUIRED, INDEX
    }
}
