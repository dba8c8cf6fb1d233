package dev.uplink.infra.template;

import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Turns CloudFormation's short-form tags into the long form: {@code !Ref X} into {@code {Ref: X}},
 * {@code !GetAtt A.B} into {@code {Fn::GetAtt: [A, B]}}, and every other {@code !Name v} into
 * {@code {Fn::Name: v}}. A safe constructor: no other tag makes objects.
 */
final class IntrinsicFunctionConstructor extends SafeConstructor {

  private static final List<String> FUNCTIONS =
      List.of(
          "And",
          "Base64",
          "Cidr",
          "Condition",
          "Equals",
          "FindInMap",
          "GetAZs",
          "If",
          "ImportValue",
          "Join",
          "Not",
          "Or",
          "Select",
          "Split",
          "Sub",
          "Transform",
          "ToJsonString",
          "Length");

  IntrinsicFunctionConstructor(LoaderOptions options) {
    super(options);
    yamlConstructors.put(new Tag("!Ref"), new Intrinsic("Ref"));
    yamlConstructors.put(new Tag("!GetAtt"), new GetAtt());
    for (String function : FUNCTIONS) {
      yamlConstructors.put(new Tag("!" + function), new Intrinsic("Fn::" + function));
    }
  }

  private Object plain(Node node) {
    if (node instanceof ScalarNode scalar) {
      return constructScalar(scalar);
    }
    if (node instanceof SequenceNode sequence) {
      return constructSequence(sequence);
    }
    return constructMapping((MappingNode) node);
  }

  /** {@code !Name value} to {@code {key: value}}, the value read as if untagged. */
  private final class Intrinsic extends AbstractConstruct {
    private final String key;

    Intrinsic(String key) {
      this.key = key;
    }

    @Override
    public Object construct(Node node) {
      return Map.of(key, plain(node));
    }
  }

  /** {@code !GetAtt Resource.Attribute} (or the list form) to {@code {Fn::GetAtt: [r, a]}}. */
  private final class GetAtt extends AbstractConstruct {
    @Override
    public Object construct(Node node) {
      Object value = plain(node);
      if (value instanceof String text) {
        int dot = text.indexOf('.');
        if (dot < 0) {
          throw new IllegalArgumentException("!GetAtt needs Resource.Attribute, got " + text);
        }
        value = List.of(text.substring(0, dot), text.substring(dot + 1));
      }
      return Map.of("Fn::GetAtt", value);
    }
  }
}
