package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Structure;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The declared raw layer must equal include/topt.h: constants, and struct fields in order. */
class HeaderTest {
  @Test
  void constantsEqualTheHeaderDefines() throws Exception {
    Map<String, Integer> header = new TreeMap<>();
    Matcher m = Pattern.compile("(?m)^#define (TOPT_[A-Z0-9_]+) (\\d+)$").matcher(Fixtures.header());
    while (m.find()) {
      header.put(m.group(1), Integer.parseInt(m.group(2)));
    }
    Map<String, Integer> declared = new TreeMap<>();
    for (Field f : LibTopt.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
        declared.put(f.getName(), f.getInt(null));
      }
    }
    assertTrue(header.size() >= 29, "parsed " + header.size() + " defines");
    assertEquals(header, declared);
  }

  @Test
  void structsMirrorTheHeader() throws Exception {
    String h = Fixtures.header();
    check(h, "topt_Bytes", new LibTopt.Bytes(), 24);
    check(h, "topt_Config", new LibTopt.Config(), 80);
    check(h, "topt_Info", new LibTopt.Info(), 72);
  }

  private static void check(String header, String name, Structure s, int size) throws Exception {
    Matcher m =
        Pattern.compile("typedef struct " + name + " \\{(.*?)\\} " + name + ";", Pattern.DOTALL)
            .matcher(header);
    assertTrue(m.find(), name);
    List<String> fields = new ArrayList<>();
    Matcher f = Pattern.compile("(?m)^\\s+[^/\\n][^;\\n]*?\\*?(\\w+);$").matcher(m.group(1));
    while (f.find()) {
      fields.add(f.group(1));
    }
    Structure.FieldOrder order = s.getClass().getAnnotation(Structure.FieldOrder.class);
    assertEquals(fields, Arrays.asList(order.value()), name);
    assertEquals(size, s.size(), name + " size");
  }
}
