package dev.uplink.infra.template;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A CloudFormation (or SAM) template as plain maps, lists and strings, read with SnakeYAML. The
 * short-form intrinsic functions ({@code !Ref}, {@code !GetAtt}, {@code !Sub}, ...) become their
 * long JSON form ({@code {"Ref": ...}}, {@code {"Fn::GetAtt": [...]}}), so a reader sees one shape
 * whichever form the template uses.
 *
 * @param root the whole document
 */
public record CloudFormationTemplate(Map<String, Object> root) {

  /** The template at the repository root, as packaged with the local stack. */
  public static final String RESOURCE = "/dev/uplink/infra/template.yaml";

  public CloudFormationTemplate {
    Objects.requireNonNull(root, "root");
  }

  /** The deployment template packaged with this module. */
  public static CloudFormationTemplate packaged() {
    try (InputStream in = CloudFormationTemplate.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("template.yaml is not on the classpath at " + RESOURCE);
      }
      return parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + RESOURCE, e);
    }
  }

  /**
   * Parses a template.
   *
   * @throws IllegalArgumentException if the document is not a YAML mapping
   */
  public static CloudFormationTemplate parse(InputStream yaml) {
    Object document = new Yaml(new IntrinsicFunctionConstructor(new LoaderOptions())).load(yaml);
    if (!(document instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("A template is a YAML mapping, got " + document);
    }
    return new CloudFormationTemplate(Nodes.stringKeyed(map, "template"));
  }

  /**
   * One resource: its logical id, type, properties (empty when it has none) and the condition it is
   * created under (empty when it always is).
   */
  public record Resource(
      String logicalId, String type, Map<String, Object> properties, Optional<String> condition) {

    public Resource {
      Objects.requireNonNull(condition, "condition");
    }

    /** A resource created whatever the parameters. */
    public Resource(String logicalId, String type, Map<String, Object> properties) {
      this(logicalId, type, properties, Optional.empty());
    }

    /** The property at {@code path} (names separated by dots), if every step is present. */
    public Optional<Object> property(String path) {
      return Nodes.at(properties, path);
    }

    /** The property at {@code path}, which the template must have. */
    public Object require(String path) {
      return property(path)
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "template.yaml: resource %s has no %s".formatted(logicalId, path)));
    }
  }

  /** Every resource, in template order. */
  public Map<String, Resource> resources() {
    var resources = new LinkedHashMap<String, Resource>();
    section("Resources")
        .forEach(
            (id, body) -> {
              Map<String, Object> fields = Nodes.stringKeyed((Map<?, ?>) body, id);
              Object properties = fields.getOrDefault("Properties", Map.of());
              resources.put(
                  id,
                  new Resource(
                      id,
                      (String) fields.get("Type"),
                      Nodes.stringKeyed((Map<?, ?>) properties, id + ".Properties"),
                      Optional.ofNullable((String) fields.get("Condition"))));
            });
    return resources;
  }

  /** The resource {@code logicalId}, which the template must have. */
  public Resource resource(String logicalId) {
    Resource resource = resources().get(logicalId);
    if (resource == null) {
      throw new IllegalStateException("template.yaml has no resource " + logicalId);
    }
    return resource;
  }

  /** The resources of one type, e.g. {@code AWS::Serverless::Function}. */
  public List<Resource> resourcesOfType(String type) {
    return resources().values().stream().filter(r -> r.type().equals(type)).toList();
  }

  /** A top-level section ({@code Parameters}, {@code Mappings}, ...); empty when absent. */
  public Map<String, Object> section(String name) {
    Object section = root.get(name);
    return section == null ? Map.of() : Nodes.stringKeyed((Map<?, ?>) section, name);
  }

  /** The default of parameter {@code name}, as CloudFormation passes it: a string. */
  public Optional<String> parameterDefault(String name) {
    Object parameter = section("Parameters").get(name);
    if (parameter == null) {
      throw new IllegalStateException("template.yaml has no parameter " + name);
    }
    return Optional.ofNullable(((Map<?, ?>) parameter).get("Default")).map(String::valueOf);
  }

  /** {@code Fn::FindInMap} on this template's mappings. */
  public Object findInMap(String map, String topKey, String secondKey) {
    Object value =
        Nodes.at(section("Mappings"), List.of(map, topKey, secondKey))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "template.yaml: mapping %s has no %s.%s"
                            .formatted(map, topKey, secondKey)));
    return value;
  }
}
