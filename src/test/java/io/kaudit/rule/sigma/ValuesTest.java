package io.kaudit.rule.sigma;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Values.isNumber says what BigDecimal would read, without BigDecimal's costly class initialiser. */
class ValuesTest {

    @Test
    void isNumberAgreesWithBigDecimal() {
        for (String s : List.of("0", "403", "-1", "+1", " 7 ", "1.", ".5", "1.5e3", "1E+5", "2e-3", "", " ", "-", "+",
                ".", "e5", "1e", "1e+", "ALLOW", "4O3", "1.2.3", "0x10", "1_000", "١٢", "--1", "1 2")) {
            assertEquals(Values.number(s) != null, Values.isNumber(s), "'" + s + "'");
        }
    }
}
