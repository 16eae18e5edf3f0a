package dev.tempfail.smtp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class XtextTest {
    @Test
    void encodesPlusEqualsSpaceControlAndNonAsciiAsHex() {
        assertEquals("user+2Btag+3Dx@example.net", Xtext.encode("user+tag=x@example.net"));
        assertEquals("a+20b+0D+0A", Xtext.encode("a b\r\n"));
        assertEquals("J+C3+B6rg@example.net", Xtext.encode("Jörg@example.net"));
        assertEquals("!~<>\"", Xtext.encode("!~<>\""));
    }

    @Test
    void decodesWhatItEncodes() {
        for (String s : new String[] {"", "plain", "user+tag=x@example.net", "Jörg <x> ;,\t\u0001"}) {
            assertEquals(s, Xtext.decode(Xtext.encode(s)));
        }
        assertEquals("a+b", Xtext.decode("a+2bb"));
    }

    @Test
    void rejectsInvalidXtext() {
        assertThrows(IllegalArgumentException.class, () -> Xtext.decode("a+2"));
        assertThrows(IllegalArgumentException.class, () -> Xtext.decode("a+ZZ"));
        assertThrows(IllegalArgumentException.class, () -> Xtext.decode("a b"));
        assertThrows(IllegalArgumentException.class, () -> Xtext.decode("a=b"));
    }
}
