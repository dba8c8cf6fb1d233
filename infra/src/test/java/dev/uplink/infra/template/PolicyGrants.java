package dev.uplink.infra.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an IAM policy document of the template allows: resource (as the template writes it) to
 * actions. A conditional statement ({@code Fn::If}) counts with both of its branches, so nothing a
 * condition may switch on escapes a check.
 */
final class PolicyGrants {

  static final Map<String, Object> NO_VALUE = Map.of("Ref", "AWS::NoValue");

  private PolicyGrants() {}

  /** The statements of a policy document, both branches of a conditional one. */
  static List<Map<?, ?>> statements(Object policyDocument) {
    var statements = new ArrayList<Map<?, ?>>();
    for (Object statement : asList(((Map<?, ?>) policyDocument).get("Statement"))) {
      Map<?, ?> map = (Map<?, ?>) statement;
      if (map.containsKey("Fn::If")) {
        for (Object branch : ((List<?>) map.get("Fn::If")).subList(1, 3)) {
          if (!NO_VALUE.equals(branch)) {
            statements.add((Map<?, ?>) branch);
          }
        }
      } else {
        statements.add(map);
      }
    }
    return statements;
  }

  /** Resource to the actions {@code statements} allow on it; every statement must allow. */
  static Map<Object, Set<String>> of(List<Map<?, ?>> statements) {
    var grants = new LinkedHashMap<Object, Set<String>>();
    for (Map<?, ?> statement : statements) {
      if (!"Allow".equals(statement.get("Effect"))) {
        throw new AssertionError("A statement that does not allow: " + statement);
      }
      for (Object resource : asList(statement.get("Resource"))) {
        for (Object action : asList(statement.get("Action"))) {
          grants.computeIfAbsent(resource, r -> new TreeSet<>()).add(action.toString());
        }
      }
    }
    return grants;
  }

  static List<Object> asList(Object value) {
    return value instanceof List<?> list ? List.copyOf(list) : List.of(value);
  }
}
