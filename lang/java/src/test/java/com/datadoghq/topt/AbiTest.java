package com.datadoghq.topt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.sun.jna.Native;
import com.sun.jna.Structure;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The generated raw layer against include/topt.abi.json (whose layouts {@code cargo xtask header}
 * checks against the C compiler), and the public enums against the ABI's.
 */
class AbiTest {
  @Test
  void structLayoutsMatchTheAbi() throws Exception {
    JsonObject abi = Fixtures.abi();
    assertEquals(abi.getAsJsonObject("data_model").get("pointer_size").getAsInt(), Native.POINTER_SIZE);
    Method offset = Structure.class.getDeclaredMethod("fieldOffset", String.class);
    offset.setAccessible(true);
    for (JsonElement s : abi.getAsJsonArray("structs")) {
      String name = s.getAsJsonObject().get("name").getAsString();
      Structure raw =
          (Structure) newInstance(Class.forName("com.datadoghq.topt.LibTopt$" + name.substring(5)));
      assertEquals(s.getAsJsonObject().get("size").getAsInt(), raw.size(), "sizeof " + name);
      for (JsonElement f : s.getAsJsonObject().getAsJsonArray("fields")) {
        String field = f.getAsJsonObject().get("name").getAsString();
        assertEquals(
            f.getAsJsonObject().get("offset").getAsInt(), offset.invoke(raw, field), name + "." + field);
      }
    }
  }

  @Test
  void everyAbiEnumMemberIsPublic() throws Exception {
    for (JsonElement e : Fixtures.abi().getAsJsonArray("enums")) {
      String name = e.getAsJsonObject().get("name").getAsString();
      Class<?> type = Class.forName("com.datadoghq.topt." + name.substring(5));
      Map<String, Integer> want = new TreeMap<>();
      for (JsonElement m : e.getAsJsonObject().getAsJsonArray("members")) {
        want.put(m.getAsJsonObject().get("name").getAsString(), m.getAsJsonObject().get("value").getAsInt());
      }
      Map<String, Integer> got = new TreeMap<>();
      Field value = field(type);
      for (Object constant : type.getEnumConstants()) {
        int v = value.getInt(constant);
        if (v >= 0) { // Status.UNKNOWN (-1) stands for codes newer than the binding
          got.put(((Enum<?>) constant).name(), v);
        }
      }
      assertEquals(want, got, type.getSimpleName());
    }
  }

  /** The enum's numeric field: {@code value}, or {@code code} for Status. */
  private static Field field(Class<?> type) throws NoSuchFieldException {
    for (String name : new String[] {"value", "code"}) {
      try {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f;
      } catch (NoSuchFieldException e) {
        // try the next name
      }
    }
    throw new NoSuchFieldException(type + " has no value field");
  }

  private static Object newInstance(Class<?> type) throws Exception {
    java.lang.reflect.Constructor<?> c = type.getDeclaredConstructor();
    c.setAccessible(true);
    return c.newInstance();
  }
}
