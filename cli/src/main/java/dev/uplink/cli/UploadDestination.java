package dev.uplink.cli;

import dev.uplink.core.domain.Destination;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where an upload goes and how the file is owned there, checked with the API's own rules ({@link
 * Destination}) before anything is sent.
 *
 * @param project the Incus project, or empty for the API's default ({@code default})
 * @param container the target instance ({@code remote:instance} on a named remote)
 * @param path the absolute path in it
 * @param mode the file mode, octal (e.g. {@code 0640}), or empty for the API's default
 * @param uid the owner's user id, or empty
 * @param gid the owner's group id, or empty
 */
record UploadDestination(
    Optional<String> project,
    String container,
    String path,
    Optional<String> mode,
    Optional<Long> uid,
    Optional<Long> gid) {

  /**
   * Checks the fields as the API will.
   *
   * @throws dev.uplink.core.domain.InvalidDestinationException naming the field at fault
   */
  static UploadDestination checked(
      Optional<String> project,
      String container,
      String path,
      Optional<String> mode,
      Optional<Long> uid,
      Optional<Long> gid) {
    Destination.parse(
        container,
        project.orElse(null),
        path,
        mode.orElse(null),
        uid.map(String::valueOf).orElse(null),
        gid.map(String::valueOf).orElse(null));
    return new UploadDestination(project, container, path, mode, uid, gid);
  }

  /** The fields as {@code POST /v1/uploads} takes them in its query string. */
  String query() {
    var query = new StringBuilder();
    fields()
        .forEach(
            (name, value) ->
                query
                    .append(query.isEmpty() ? "" : "&")
                    .append(name)
                    .append('=')
                    .append(URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8)));
    return query.toString();
  }

  /** The fields as the presign and multipart requests take them in their JSON body. */
  Map<String, Object> fields() {
    var fields = new LinkedHashMap<String, Object>();
    project.ifPresent(p -> fields.put("project", p));
    fields.put("container", container);
    fields.put("path", path);
    mode.ifPresent(m -> fields.put("mode", m));
    uid.ifPresent(u -> fields.put("uid", u));
    gid.ifPresent(g -> fields.put("gid", g));
    return fields;
  }
}
