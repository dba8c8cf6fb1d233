package dev.uplink.infra.template;

import static java.util.stream.Collectors.joining;

import dev.uplink.infra.template.CloudFormationTemplate.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The conditions and rules of a template evaluated as CloudFormation would for one set of parameter
 * values (the others at their defaults): which resources and outputs a stack would have, and which
 * rules would refuse it. Knows the functions conditions and rules use here: {@code Fn::Equals},
 * {@code Fn::Not}, {@code Fn::And}, {@code Fn::Or}, {@code Condition}, and for values {@code Ref}
 * to a parameter, {@code Fn::Join}, {@code Fn::Split} and {@code Fn::Select}.
 */
final class StackConditions {

  private final CloudFormationTemplate template;
  private final Map<String, String> parameters = new HashMap<>();

  StackConditions(CloudFormationTemplate template, Map<String, String> given) {
    this.template = template;
    for (String name : template.section("Parameters").keySet()) {
      template.parameterDefault(name).ifPresent(value -> parameters.put(name, value));
    }
    parameters.putAll(given);
  }

  /** Whether the named condition holds. */
  boolean holds(String condition) {
    Object expression = template.section("Conditions").get(condition);
    if (expression == null) {
      throw new IllegalStateException("template.yaml has no condition " + condition);
    }
    return truth(expression);
  }

  /** Whether the stack would have {@code resource}. */
  boolean creates(Resource resource) {
    return resource.condition().map(this::holds).orElse(true);
  }

  /** The logical ids of the resources the stack would have. */
  List<String> resources() {
    return template.resources().values().stream()
        .filter(this::creates)
        .map(Resource::logicalId)
        .toList();
  }

  /** The names of the outputs the stack would have. */
  List<String> outputs() {
    var outputs = new ArrayList<String>();
    template
        .section("Outputs")
        .forEach(
            (name, output) -> {
              Object condition = ((Map<?, ?>) output).get("Condition");
              if (condition == null || holds((String) condition)) {
                outputs.add(name);
              }
            });
    return outputs;
  }

  /** The descriptions of the rule assertions these parameters break: empty when none. */
  List<String> brokenRules() {
    var broken = new ArrayList<String>();
    template
        .section("Rules")
        .forEach(
            (name, body) -> {
              Map<?, ?> rule = (Map<?, ?>) body;
              Object applies = rule.get("RuleCondition");
              if (applies != null && !truth(applies)) {
                return;
              }
              for (Object assertion : (List<?>) rule.get("Assertions")) {
                Map<?, ?> check = (Map<?, ?>) assertion;
                if (!truth(check.get("Assert"))) {
                  broken.add(String.valueOf(check.get("AssertDescription")));
                }
              }
            });
    return broken;
  }

  private boolean truth(Object expression) {
    Map<?, ?> function = (Map<?, ?>) expression;
    if (function.containsKey("Condition")) {
      return holds((String) function.get("Condition"));
    }
    List<?> arguments = (List<?>) function.values().iterator().next();
    String name = (String) function.keySet().iterator().next();
    return switch (name) {
      case "Fn::Equals" -> value(arguments.get(0)).equals(value(arguments.get(1)));
      case "Fn::Not" -> !truth(arguments.get(0));
      case "Fn::And" -> arguments.stream().allMatch(this::truth);
      case "Fn::Or" -> arguments.stream().anyMatch(this::truth);
      default -> throw new IllegalArgumentException("Not a condition function: " + name);
    };
  }

  private String value(Object operand) {
    if (operand instanceof Map<?, ?> map && map.get("Ref") instanceof String parameter) {
      return Optional.ofNullable(parameters.get(parameter))
          .orElseThrow(
              () -> new IllegalArgumentException("Parameter " + parameter + " has no value"));
    }
    if (operand instanceof Map<?, ?> map && map.get("Fn::Join") instanceof List<?> join) {
      return ((List<?>) join.get(1)).stream().map(this::value).collect(joining(value(join.get(0))));
    }
    if (operand instanceof Map<?, ?> map && map.get("Fn::Select") instanceof List<?> select) {
      return pieces(select.get(1)).get(Integer.parseInt(value(select.get(0))));
    }
    return String.valueOf(operand);
  }

  /** The list an {@code Fn::Split} makes (CloudFormation keeps empty pieces). */
  private List<String> pieces(Object operand) {
    if (operand instanceof Map<?, ?> map && map.get("Fn::Split") instanceof List<?> split) {
      return List.of(value(split.get(1)).split(Pattern.quote(value(split.get(0))), -1));
    }
    throw new IllegalArgumentException("Not a list function: " + operand);
  }
}
